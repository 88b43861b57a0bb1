using Microsoft.Extensions.Logging;
using TestFarm.Core.Bmc;
using TestFarm.Core.Provisioning;
using TestFarm.Core.Results;

namespace TestFarm.Provisioning.Reimage;

/// <summary>
/// Runs the phases of one reimage or cleaning: each under its own deadline (on the injected
/// <see cref="TimeProvider"/>), retried per its policy, timed, with the lease heartbeat called at
/// each phase start and every <see cref="ProvisioningPolicy.HeartbeatInterval"/> while it runs.
/// </summary>
internal sealed class PhaseRunner : IAsyncDisposable
{
    private readonly string _machineId;
    private readonly ProvisioningPolicy _policy;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Func<CancellationToken, Task> _heartbeat;
    private readonly CancellationTokenSource _lease;
    private readonly ITimer _beat;
    private readonly List<PhaseTiming> _timings = [];
    private Exception? _heartbeatError;

    public PhaseRunner(string machineId, ProvisioningPolicy policy, TimeProvider time, ILogger log,
        Func<CancellationToken, Task>? heartbeat, CancellationToken cancellationToken)
    {
        _machineId = machineId;
        _policy = policy;
        _time = time;
        _log = log;
        _heartbeat = heartbeat ?? (_ => Task.CompletedTask);
        _lease = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _beat = time.CreateTimer(_ => _ = BeatAsync(), null, policy.HeartbeatInterval, policy.HeartbeatInterval);
    }

    public CancellationToken Token => _lease.Token;
    public TimeProvider Time => _time;

    /// <summary>Runs <paramref name="body"/> as <paramref name="phase"/>; throws <see cref="PhaseFailedException"/> when it fails for good.</summary>
    public async Task<T> RunAsync<T>(ProvisioningPhase phase, HealthComponent blame, Func<TimeSpan, CancellationToken, Task<T>> body, PhasePolicy? policy = null)
    {
        policy ??= _policy.For(phase);
        var start = _time.GetUtcNow();
        var startStamp = _time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            Log.PhaseStarted(_log, _machineId, phase, attempt);
            using var deadline = new CancellationTokenSource(policy.Deadline, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _lease.Token);
            try
            {
                await BeatOrThrowAsync();
                var result = await body(policy.Deadline, linked.Token).WaitAsync(linked.Token);
                Record(phase, start, startStamp, null);
                return result;
            }
            catch (Exception e) when (e is not PhaseFailedException)
            {
                if (_lease.IsCancellationRequested)
                {
                    var why = _heartbeatError is null ? "cancelled" : "lease heartbeat failed: " + _heartbeatError.Message;
                    Record(phase, start, startStamp, why);
                    throw new PhaseFailedException(phase, why, blame, _heartbeatError ?? e);
                }
                var timedOut = deadline.IsCancellationRequested;
                var message = timedOut ? $"no result within its deadline of {policy.Deadline}" : Describe(e);
                Log.PhaseFailed(_log, _machineId, phase, attempt, message);
                if (attempt > policy.Retries || !(timedOut || Retryable.Is(e)))
                {
                    Record(phase, start, startStamp, message);
                    throw new PhaseFailedException(phase, message, BlameOf(e, blame), e);
                }
                await Task.Delay(policy.Backoff * attempt, _time, _lease.Token);
            }
            catch (PhaseFailedException e)
            {
                Record(phase, start, startStamp, e.Reason);
                throw;
            }
        }
    }

    public Task RunAsync(ProvisioningPhase phase, HealthComponent blame, Func<TimeSpan, CancellationToken, Task> body, PhasePolicy? policy = null) =>
        RunAsync(phase, blame, async (d, ct) => { await body(d, ct); return true; }, policy);

    private static HealthComponent BlameOf(Exception e, HealthComponent fallback) =>
        e is BmcException { Kind: BmcErrorKind.Unreachable or BmcErrorKind.Unauthorized or BmcErrorKind.Protocol } ? HealthComponent.Bmc : fallback;

    private static string Describe(Exception e) => e is BmcException b
        ? $"BMC {b.Kind}{(b.HttpStatus is { } s ? $" HTTP {s}" : "")}{(b.MessageId is { } id ? $" {id}" : "")}: {b.Message}"
        : e.Message;

    /// <summary>Adds a timing for a step the runner did not run itself (verification).</summary>
    public void Add(PhaseTiming timing)
    {
        lock (_timings) { _timings.Add(timing); }
    }

    public IReadOnlyList<PhaseTiming> Snapshot()
    {
        lock (_timings) { return [.. _timings]; }
    }

    private void Record(ProvisioningPhase phase, DateTimeOffset start, long startStamp, string? error)
    {
        lock (_timings)
        {
            _timings.Add(new PhaseTiming
            {
                Phase = phase.Name(),
                Start = start,
                Duration = _time.GetElapsedTime(startStamp),
                Succeeded = error is null,
                Error = error,
            });
        }
    }

    private async Task BeatOrThrowAsync()
    {
        await BeatAsync();
        _lease.Token.ThrowIfCancellationRequested();
    }

    private async Task BeatAsync()
    {
        if (_lease.IsCancellationRequested) return;
        try { await _heartbeat(_lease.Token); }
        catch (Exception e) when (!_lease.IsCancellationRequested)
        {
            _heartbeatError = e;
            Log.HeartbeatFailed(_log, _machineId, e);
            _lease.Cancel(); // synchronously: the waiting phase ends at this beat
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _beat.DisposeAsync();
        _lease.Dispose();
    }
}
