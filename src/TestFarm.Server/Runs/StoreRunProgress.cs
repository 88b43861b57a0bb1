using System.Collections.Concurrent;
using System.Threading.Channels;
using TestFarm.Core.Machines;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Server.Metrics;

namespace TestFarm.Server.Runs;

/// <summary>
/// Hears phases start and end and writes each as an audit event (kind <c>phase</c>, subject <c>run/cell</c>), so
/// every instance on the database sees a run's live phases; observes phase durations for <c>/metrics</c>.
/// Events are written in order by one writer; <see cref="FlushAsync"/> waits until all are stored.
/// </summary>
public sealed class StoreRunProgress : IRunProgress
{
    public const string PhaseKind = Orchestration.Adapters.CellPhaseEvent.Kind;

    private readonly string _runId;
    private readonly IEventLog _events;
    private readonly FarmMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Channel<AuditEvent> _pending = Channel.CreateUnbounded<AuditEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<(string Cell, string Phase), DateTimeOffset> _started = new();
    private readonly Task _writer;

    public StoreRunProgress(string runId, IEventLog events, FarmMetrics metrics, TimeProvider time)
    {
        _runId = runId;
        _events = events;
        _metrics = metrics;
        _time = time;
        _writer = Task.Run(WriteAsync);
    }

    public void PhaseStarted(string cellId, string phase)
    {
        var now = _time.GetUtcNow();
        _started[(cellId, phase)] = now;
        Post(cellId, phase, "Started", phase, now);
    }

    public void PhaseEnded(string cellId, string phase, bool succeeded, string? error)
    {
        var now = _time.GetUtcNow();
        if (_started.TryRemove((cellId, phase), out var start)) _metrics.ObservePhase(phase, now - start, succeeded);
        Post(cellId, phase, succeeded ? "Succeeded" : "Failed", error ?? phase, now);
    }

    private void Post(string cellId, string phase, string to, string reason, DateTimeOffset at) =>
        _pending.Writer.TryWrite(Orchestration.Adapters.CellPhaseEvent.Of($"{_runId}/{cellId}", null, phase, to, reason, at));

    private async Task WriteAsync()
    {
        await foreach (var e in _pending.Reader.ReadAllAsync())
        {
            // A lost database must not stop the run: the phase still shows in the cell's stored result.
            try { await _events.AppendAsync(e); }
            catch (Storage.Database.StoreException) { _metrics.CountStoreError("phase-event"); }
        }
    }

    /// <summary>Stops taking events and waits until those taken are stored.</summary>
    public Task FlushAsync()
    {
        _pending.Writer.TryComplete();
        return _writer;
    }
}
