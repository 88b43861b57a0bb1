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
/// ran to its end, the observers are told (on a cancel, those that are <see cref="IRunCancelObserver"/>). Reports of the end (<see cref="IRunReports"/>) are stored with the end itself. Reports are written again when a cell of a cancelled run records afterwards.
/// </summary>
public sealed class RunFinisher(
    IRunWorkStore runs, IRequestQueue queue, RunEngineOptions options, IEnumerable<IRunObserver> observers, TimeProvider time, ILogger<RunFinisher> log,
    IEnumerable<IRunReports>? reports = null)
{
    private readonly IRunReports[] _reports = reports?.ToArray() ?? [];
    private readonly RunFolders _folders = new(options.DataDirectory);

    /// <summary>Ends the run with its cells' verdict; false when it had already ended.</summary>
    public async Task<bool> EndAsync(string runId, string reason, CancellationToken ct)
    {
        var stored = await runs.GetRunAsync(runId, ct) ?? throw new KeyNotFoundException($"no run '{runId}'");
        var verdict = RunTransitions.Verdict(stored.Cells.Select(c => c.Verdict));
        var (run, origin) = await RenderAsync(runId, verdict, time.GetUtcNow(), ct);
        if (!await runs.EndRunAsync(runId, verdict, verdict, reason, [.. _reports.SelectMany(r => r.Ended(run, origin, verdict))], ct)) return false;
        RunLog.RunEnded(log, runId, verdict, reason);
        await TellAsync(run, origin, cancelled: false);
        return true;
    }

    private async Task TellAsync(RunResult run, RunOrigin origin, bool cancelled)
    {
        foreach (var observer in observers)
        {
            if (cancelled && observer is not IRunCancelObserver) continue;
#pragma warning disable CA1031 // An observer's failure (e.g. GitHub down) must not undo the stored run.
            try { await observer.RunEndedAsync(run, origin, CancellationToken.None); }
            catch (Exception ex) { RunLog.ObserverFailed(log, run.RunId, observer.GetType().Name, ex.Message); }
#pragma warning restore CA1031
        }
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
        var (rendered, origin) = await RenderAsync(runId, RunState.Cancelled, time.GetUtcNow(), ct);
        if (!await runs.EndRunAsync(runId, RunState.Cancelled, verdict, reason, [.. _reports.SelectMany(r => r.Ended(rendered, origin, RunState.Cancelled))], ct))
            return CancelOutcome.AlreadyEnded;
        RunLog.RunEnded(log, runId, RunState.Cancelled, reason);
        await TellAsync(rendered, origin, cancelled: true);
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
