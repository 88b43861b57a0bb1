using Microsoft.Extensions.Logging;
using Quartz;
using TestFarm.Core.Plans;
using TestFarm.Core.Runs;

namespace TestFarm.Orchestration.Runs;

/// <summary>
/// The farm's one run engine, shared by <c>serve</c> and <c>lab nightly</c>. A trigger checks the plan, expands its matrix,
/// records the run with one durable work item per cell in one transaction, and schedules one Quartz job per cell
/// (<see cref="CellJob"/>, requesting recovery) in the farm's persistent job store: any instance may take a cell, and
/// the cells of an instance that dies are recovered and retried. The run ends when its last cell is recorded
/// (<see cref="RunFinisher"/>); a cancel from any instance ends it Cancelled.
/// </summary>
public sealed class RunEngine(
    IRunWorkStore runs, RunEngineOptions options, ISchedulerFactory schedulers, RunFinisher finisher, TimeProvider time, ILogger<RunEngine> log,
    ICellExecutor? executor = null, IEnumerable<IRunReports>? reports = null)
{
    private readonly IRunReports[] _reports = reports?.ToArray() ?? [];

    private volatile bool _accepting = true;

    public async Task<TriggerOutcome> TriggerAsync(string? planName, string trigger, CancellationToken ct, RunOrigin? origin = null)
    {
        origin ??= new RunOrigin();
        if (!_accepting)
            return TriggerOutcome.Refused(503, "Shutting down", $"instance {options.InstanceName} is stopping and takes no new run; trigger on another instance");
        if (executor is null)
            return TriggerOutcome.Refused(503, "No farm backend", $"instance {options.InstanceName} serves the API only and cannot run plans; start it with --boot-listen and --image (the pool's machines) or --lab");
        if (string.IsNullOrWhiteSpace(planName))
            return TriggerOutcome.Refused(400, "Missing field", "plan: give the name of a plan, e.g. {\"plan\": \"nightly\"}", "plan");
        var config = options.Configuration;
        var plan = config.Plan(planName);
        if (plan is null)
            return TriggerOutcome.Refused(422, "Unknown plan",
                $"plan: no plan '{Bounded(planName)}'; known: {string.Join(", ", config.Plans.Select(p => p.Value.Name).Order(StringComparer.Ordinal))}", "plan");
        var missing = plan.Suites.Where(s => config.Suite(s) is null).ToList();
        if (missing.Count > 0)
            return TriggerOutcome.Refused(422, "Plan cannot run", $"plan {plan.Name}: no suite {string.Join(", ", missing.Select(m => $"'{m}'"))}", "plan");
        var cells = MatrixExpander.Expand(plan, executor.Profiles.Values);
        if (cells.Count == 0)
            return TriggerOutcome.Refused(422, "Plan cannot run",
                $"plan {plan.Name} expands to no cell on this pool's profiles ({string.Join(", ", executor.Profiles.Keys.Order(StringComparer.Ordinal))})", "plan");
        if (origin.CellIds is { } only)
        {
            var unknown = only.Where(id => cells.All(c => c.Id != id)).ToList();
            if (unknown.Count > 0)
                return TriggerOutcome.Refused(422, "Unknown cells", $"cells: plan {plan.Name} has no cell {Bounded(string.Join(", ", unknown))}", "cells");
            cells = [.. cells.Where(c => only.Contains(c.Id))];
        }
        var label = origin.Label(trigger);
        var runId = $"{plan.Name}-{time.GetUtcNow():yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";
        var cellIds = cells.Select(c => c.Id).ToList();
        var opening = new RunOpening
        {
            ExclusiveKey = _reports.Select(r => r.ExclusiveKey(plan.Name, origin)).FirstOrDefault(k => k is not null),
            Reports = [.. _reports.SelectMany(r => r.Accepted(runId, plan.Name, origin, cellIds))],
        };
        if (await runs.CreateRunAsync(runId, plan.Name, label, origin.ToJson(), cellIds, opening, ct) is { } running)
            return new TriggerOutcome(null, new TriggerRefusal(409, "Already running", $"plan {plan.Name}: run {running} is already going for {opening.ExclusiveKey}")) { RunningRunId = running };
        // Should this instance die before all are scheduled, the sweep schedules the rest (RunSweepJob).
        var scheduler = await schedulers.GetScheduler(ct);
        foreach (var cell in cells) await ScheduleCellAsync(scheduler, runId, cell.Id, ct);
        RunLog.RunTriggered(log, runId, plan.Name, label, cells.Count);
        return new TriggerOutcome(runId, null);
    }

    /// <summary>Ends the run Cancelled (any instance may ask); the instances running its cells stop them.</summary>
    public Task<CancelOutcome> CancelAsync(string runId, string by, CancellationToken ct) => finisher.CancelAsync(runId, by, ct);

    /// <summary>Waits until the run has ended (polling the store, so it sees an end written by any instance).</summary>
    public async Task<RunRecord> WaitForEndAsync(string runId, CancellationToken ct)
    {
        while (true)
        {
            var run = await runs.GetRunRecordAsync(runId, ct) ?? throw new KeyNotFoundException($"no run '{runId}'");
            if (RunTransitions.IsEnded(run.State)) return run;
            await Task.Delay(options.CancelPollInterval, time, ct);
        }
    }

    /// <summary>From now on every trigger is refused with 503 (a graceful stop has begun).</summary>
    public void StopAccepting() => _accepting = false;

    /// <summary>Schedules the cell's job now, unless it already exists (then it is running or about to).</summary>
    internal static async Task<bool> ScheduleCellAsync(IScheduler scheduler, string runId, string cellId, CancellationToken ct)
    {
        var job = JobBuilder.Create<CellJob>().WithIdentity(CellJob.KeyFor(runId, cellId))
            .UsingJobData(CellJob.RunKey, runId).UsingJobData(CellJob.CellKey, cellId).RequestRecovery().Build();
        var trigger = TriggerBuilder.Create().WithIdentity($"{runId}/{cellId}", CellJob.Group).ForJob(job).StartNow().Build();
        try
        {
            await scheduler.ScheduleJob(job, trigger, default, ct);
            return true;
        }
        catch (ObjectAlreadyExistsException) { return false; }
    }

    private static string Bounded(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
