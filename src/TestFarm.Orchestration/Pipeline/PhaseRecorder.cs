using TestFarm.Core.Results;

namespace TestFarm.Orchestration.Pipeline;

/// <summary>
/// Runs a cell's phases one after another, each under its own deadline, and keeps how long each took
/// and how it ended, for the report and the live view.
/// </summary>
internal sealed class PhaseRecorder(string cellId, TimeProvider time, IRunProgress progress)
{
    private readonly List<PhaseTiming> _phases = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<PhaseTiming> Phases { get { lock (_gate) { return [.. _phases]; } } }

    public void Add(PhaseTiming timing) { lock (_gate) { _phases.Add(timing); } }

    /// <summary>Awaited as each phase starts (e.g. to audit it); set once the cell holds a lease.</summary>
    public Func<string, Task>? OnStart { get; set; }

    /// <summary>
    /// Runs <paramref name="work"/> as <paramref name="phase"/>. A deadline that passes cancels the work and is
    /// reported as a <see cref="PhaseFailedException"/>; so is any other exception, wrapped with the phase.
    /// Work that does not stop within <see cref="AbandonAfter"/> of its deadline is abandoned, so a phase
    /// never outlives its deadline by more than that, whatever the work does with its token.
    /// </summary>
    public async Task<T> RunAsync<T>(string phase, TimeSpan deadline, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        using var activity = FarmTelemetry.Source.StartActivity($"phase {phase}");
        activity?.SetTag(FarmTelemetry.Tags.CellId, cellId);
        activity?.SetTag(FarmTelemetry.Tags.Phase, phase);
        progress.PhaseStarted(cellId, phase);
        if (OnStart is { } onStart) await onStart(phase);
        var start = time.GetUtcNow();
        using var timeout = new CancellationTokenSource(deadline, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var recorded = false;
        try
        {
            var task = work(linked.Token);
            using (var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(linked.Token))
            {
                await Task.WhenAny(task, Task.Delay(Timeout.InfiniteTimeSpan, time, stopWaiting.Token));
                stopWaiting.Cancel(); // synchronously: continuing on the caller, as a plain await would
            }
            if (!task.IsCompleted)
            {
                try { await task.WaitAsync(AbandonAfter, time, CancellationToken.None); }
                catch (TimeoutException)
                {
                    var abandoned = timeout.IsCancellationRequested
                        ? $"{phase} did not finish within {deadline} and did not stop within {AbandonAfter} of it: abandoned"
                        : $"{phase} was cancelled and did not stop within {AbandonAfter}: abandoned";
                    Record(phase, start, succeeded: false, abandoned, activity);
                    recorded = true;
                    throw new PhaseFailedException(phase, abandoned);
                }
            }
            var result = await task;
            if (timeout.IsCancellationRequested)
            {
                // It wound down at the deadline and kept what it had (e.g. suites' partial results): still late.
                var late = $"{phase} did not finish within {deadline}";
                Record(phase, start, succeeded: false, late, activity);
                recorded = true;
                throw new PhaseFailedException(phase, late);
            }
            Record(phase, start, succeeded: true, error: null, activity);
            return result;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var error = $"{phase} did not finish within {deadline}";
            Record(phase, start, succeeded: false, error, activity);
            throw new PhaseFailedException(phase, error);
        }
        catch (PhaseFailedException ex) when (!recorded)
        {
            Record(phase, start, succeeded: false, ex.Message, activity);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not PhaseFailedException)
        {
            Record(phase, start, succeeded: false, ex.Message, activity);
            throw new PhaseFailedException(phase, ex.Message, ex);
        }
    }

    /// <summary>How long work may take to stop after its deadline passed before it is abandoned.</summary>
    public TimeSpan AbandonAfter { get; init; } = TimeSpan.FromSeconds(30);

    public Task RunAsync(string phase, TimeSpan deadline, Func<CancellationToken, Task> work, CancellationToken cancellationToken) =>
        RunAsync(phase, deadline, async ct => { await work(ct); return true; }, cancellationToken);

    private void Record(string phase, DateTimeOffset start, bool succeeded, string? error, System.Diagnostics.Activity? activity)
    {
        if (error is not null) FarmTelemetry.Fail(activity, error);
        Add(new PhaseTiming { Phase = phase, Start = start, Duration = time.GetUtcNow() - start, Succeeded = succeeded, Error = error });
        progress.PhaseEnded(cellId, phase, succeeded, error);
    }
}

/// <summary>A pipeline phase failed: the farm's fault, reported as an infra-error with the phase.</summary>
public sealed class PhaseFailedException : Exception
{
    public PhaseFailedException(string phase, string message, Exception? inner = null) : base(message, inner) => Phase = phase;

    public string Phase { get; }
}
