using Microsoft.Extensions.Logging;
using TestFarm.Core.Leases;
using TestFarm.Core.Results;
using TestFarm.Core.Runs;
using TestFarm.Core.Scheduling;
using TestFarm.Reporting;

namespace TestFarm.Orchestration.Runs;

/// <summary>
/// Ends runs exactly once (the store guards it, so any instance may try): with the verdict of their recorded cells when
/// the last one is recorded, or Cancelled when someone asks. The run's reports are written to its folder
/// (<see cref="RunFolders.Run"/>) just before its end is stored, so whoever sees the end finds them; then, for a run that
/// ran to its end, the observers are told. Reports are written again when a cell of a cancelled run records afterwards.
/// </summary>
public sealed class RunFinisher(
    IRunWorkStore runs, IRequestQueue queue, RunEngineOptions options, IEnumerable<IRunObserver> observers, TimeProvider time, ILogger<RunFinisher> log)
{
    private readonly RunFolders _folders = new(options.DataDirectory);

    /// <summary>Ends the run with its cells' verdict; false when it had already ended.</summary>
    public async Task<bool> EndAsync(string runId, string reason, CancellationToken ct)
    {
        var stored = await runs.GetRunAsync(runId, ct) ?? throw new KeyNotFoundException($"no run '{runId}'");
        var verdict = RunTransitions.Verdict(stored.Cells.Select(c => c.Verdict));
        var (run, origin) = await RenderAsync(runId, verdict, time.GetUtcNow(), ct);
        if (!await runs.EndRunAsync(runId, verdict, verdict, reason, ct)) return false;
        RunLog.RunEnded(log, runId, verdict, reason);
        foreach (var observer in observers)
        {
#pragma warning disable CA1031 // An observer's failure (e.g. GitHub down) must not undo the stored run.
            try { await observer.RunEndedAsync(run, origin, CancellationToken.None); }
            catch (Exception ex) { RunLog.ObserverFailed(log, runId, observer.GetType().Name, ex.Message); }
#pragma warning restore CA1031
        }
        return true;
    }

    /// <summary>Ends the run Cancelled and withdraws its cells still waiting for machines.</summary>
    public async Task<CancelOutcome> CancelAsync(string runId, string by, CancellationToken ct)
    {
        var record = await runs.GetRunRecordAsync(runId, ct);
        if (record is null) return CancelOutcome.NotFound;
        if (RunTransitions.IsEnded(record.State)) return CancelOutcome.AlreadyEnded;
        var run = await runs.GetRunAsync(runId, ct);
        var verdict = run is null || run.Cells.Count == 0 ? (RunState?)null : RunTransitions.Verdict(run.Cells.Select(c => c.Verdict));
        var reason = $"cancelled by {by}: cells still waiting were withdrawn, those holding machines clean and release them";
        await RenderAsync(runId, RunState.Cancelled, time.GetUtcNow(), ct);
        if (!await runs.EndRunAsync(runId, RunState.Cancelled, verdict, reason, ct)) return CancelOutcome.AlreadyEnded;
        RunLog.RunEnded(log, runId, RunState.Cancelled, reason);
        foreach (var q in (await queue.ListOpenOfRunAsync(runId, CancellationToken.None)).Where(q => q.State == RequestState.Queued))
        {
            if (ReservationRequest.RunOf(q.Request.Id) == runId)
                await queue.SetStateAsync(q.Request.Id, RequestState.Cancelled, "its run was cancelled", ct: CancellationToken.None);
        }
        return CancelOutcome.Cancelled;
    }

    /// <summary>Writes the run's reports as it stands in the store: JUnit, Allure results, HTML, Markdown, run.json.</summary>
    public async Task RenderAsync(string runId, CancellationToken ct)
    {
        var record = await runs.GetRunRecordAsync(runId, ct) ?? throw new KeyNotFoundException($"no run '{runId}'");
        await RenderAsync(runId, record.State, record.Finished ?? time.GetUtcNow(), ct);
    }

    private async Task<(RunResult Run, RunOrigin Origin)> RenderAsync(string runId, RunState state, DateTimeOffset finished, CancellationToken ct)
    {
        var record = await runs.GetRunRecordAsync(runId, ct) ?? throw new KeyNotFoundException($"no run '{runId}'");
        var stored = await runs.GetRunAsync(runId, ct) ?? throw new KeyNotFoundException($"no run '{runId}'");
        var origin = RunOrigin.FromJson(record.Origin);
        var run = stored with { Finished = finished, HeadSha = origin.HeadSha, Repository = origin.Repository };
        var folder = _folders.Run(runId);
        try
        {
            RunReports.RenderAll(run, folder, new ReportOptions { Title = options.ReportTitle?.Invoke(run.Plan) ?? $"{run.Plan}: {state} ({run.Trigger})" });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            RunLog.ReportsFailed(log, runId, folder, ex.Message);
        }
        return (run, origin);
    }
}
