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

    /// <summary>
    /// Runs <paramref name="work"/> as <paramref name="phase"/>. A deadline that passes cancels the work and is
    /// reported as a <see cref="PhaseFailedException"/>; so is any other exception, wrapped with the phase.
    /// </summary>
    public async Task<T> RunAsync<T>(string phase, TimeSpan deadline, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        progress.PhaseStarted(cellId, phase);
        var start = time.GetUtcNow();
        using var timeout = new CancellationTokenSource(deadline, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var result = await work(linked.Token);
            Record(phase, start, succeeded: true, error: null);
            return result;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var error = $"{phase} did not finish within {deadline}";
            Record(phase, start, succeeded: false, error);
            throw new PhaseFailedException(phase, error);
        }
        catch (PhaseFailedException ex)
        {
            Record(phase, start, succeeded: false, ex.Message);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Record(phase, start, succeeded: false, ex.Message);
            throw new PhaseFailedException(phase, ex.Message, ex);
        }
    }

    public Task RunAsync(string phase, TimeSpan deadline, Func<CancellationToken, Task> work, CancellationToken cancellationToken) =>
        RunAsync(phase, deadline, async ct => { await work(ct); return true; }, cancellationToken);

    private void Record(string phase, DateTimeOffset start, bool succeeded, string? error)
    {
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
