using System.Globalization;
using Microsoft.Extensions.Logging;
using Quartz;
using TestFarm.Core.Leases;
using TestFarm.Core.Plans;
using TestFarm.Core.Results;
using TestFarm.Core.Runs;
using TestFarm.Core.Scheduling;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Reporting;

namespace TestFarm.Orchestration.Runs;

/// <summary>
/// Quartz job: one cell of a run, a durable work item any instance may take. Each execution takes the cell's next
/// attempt in the store. An attempt above the first means earlier ones were lost with their instance (Quartz recovered
/// the job, or the sweep scheduled it again): the cell is retried from reserve with a full reimage, up to the plan's
/// <see cref="Plan.Retries"/>, then recorded infra-error naming the lost attempts. The result is recorded, and the last
/// cell recorded ends the run. While it runs, the cell stops when its run ends elsewhere (cancelled).
/// </summary>
public sealed class CellJob(
    IRunWorkStore runs, IRequestQueue queue, RunEngineOptions options, RunFinisher finisher, CellSlots slots, TimeProvider time, ILogger<CellJob> log,
    ICellExecutor? executor = null) : IJob
{
    public const string Group = "testfarm-cells";
    public const string RunKey = "run";
    public const string CellKey = "cell";

    public static JobKey KeyFor(string runId, string cellId) => new($"{runId}/{cellId}", Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var runId = context.MergedJobDataMap.GetString(RunKey) ?? "";
        var cellId = context.MergedJobDataMap.GetString(CellKey) ?? "";
        // An API-only instance, or one at its limit of cells: another instance (or this one, a little later) takes it.
        if (executor is null || !slots.TryEnter())
        {
            var later = TriggerBuilder.Create().WithIdentity($"{runId}/{cellId}/{Guid.NewGuid():N}", Group).ForJob(context.JobDetail)
                .StartAt(time.GetUtcNow() + options.SlotRetryDelay).Build();
            await context.Scheduler.ScheduleJob(later, default, cancellationToken);
            return;
        }
        try { await RunAttemptAsync(executor, runId, cellId, context.Recovering, cancellationToken); }
        finally { slots.Exit(); }
    }

    private async Task RunAttemptAsync(ICellExecutor hands, string runId, string cellId, bool recovering, CancellationToken ct)
    {
        var record = await runs.GetRunRecordAsync(runId, ct);
        var attempt = record is null ? null : await runs.TakeCellAttemptAsync(runId, cellId, options.InstanceName, ct);
        if (record is null || attempt is null)
        {
            RunLog.CellSkipped(log, runId, cellId, "no such run or cell");
            return;
        }
        if (attempt.Before == CellWorkState.Recorded || RunTransitions.IsEnded(attempt.Run))
        {
            RunLog.CellSkipped(log, runId, cellId, attempt.Before == CellWorkState.Recorded ? "already recorded" : $"run ended {attempt.Run}");
            if (!RunTransitions.IsEnded(attempt.Run) && (await runs.ListCellWorkAsync(runId, ct)).All(c => c.State == CellWorkState.Recorded))
                await finisher.EndAsync(runId, "all cells recorded", ct);
            return;
        }
        RunLog.CellTaken(log, runId, cellId, attempt.Attempt, options.InstanceName, recovering);
        var plan = options.Configuration.Plan(record.Plan);
        var cell = plan is null ? null : MatrixExpander.Expand(plan, hands.Profiles.Values).FirstOrDefault(c => c.Id == cellId);
        var lost = attempt.Attempt - 1;
        CellResult result;
        if (plan is null || cell is null)
            result = FarmFailed(record.Plan, cellId, hands.BuildId, "setup", $"this farm has no plan '{record.Plan}' with a cell {cellId} on its profiles");
        else if (lost > plan.Retries)
            result = FarmFailed(plan.Name, cellId, hands.BuildId, "lost",
                string.Create(CultureInfo.InvariantCulture, $"{lost} attempts lost: each time the farm instance running the cell died (plan {plan.Name} retries a lost cell {plan.Retries} time(s))"));
        else
            result = await ExecuteAsync(hands, plan, cell, record, attempt.Attempt, ct);
        if (lost > 0) result = result with { Evidence = new Dictionary<string, string>(result.Evidence) { ["attempts"] = $"{attempt.Attempt} ({lost} lost with their farm instance)" } };

        var open = await runs.CompleteCellAsync(runId, result, CancellationToken.None);
        RunLog.CellRecorded(log, runId, cellId, result.Verdict, open);
        if (open == 0) await finisher.EndAsync(runId, "all cells recorded", CancellationToken.None);
        else if (RunTransitions.IsEnded((await runs.GetRunRecordAsync(runId, CancellationToken.None))!.State))
            await finisher.RenderAsync(runId, CancellationToken.None); // a cancelled run's reports gain this cell
    }

    private async Task<CellResult> ExecuteAsync(ICellExecutor hands, Plan plan, MatrixCell cell, RunRecord record, int attempt, CancellationToken ct)
    {
        var origin = RunOrigin.FromJson(record.Origin);
        if (attempt > 1) await WithdrawLostAttemptsAsync(record.Id, cell.Id);
        var request = new CellRequest
        {
            Cell = cell, Plan = plan, BuildId = hands.BuildId, RunId = record.Id,
            Suites = [.. plan.Suites.Select(s => options.Configuration.Suite(s) ?? throw new InvalidOperationException($"plan {plan.Name}: no suite '{s}'"))],
            ArtifactsDirectory = new RunFolders(options.DataDirectory).Cell(record.Id, cell.Id),
            HeartbeatInterval = options.HeartbeatInterval,
            Trusted = !origin.Untrusted,
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var watching = new CancellationTokenSource();
        var watcher = StopWhenRunEndsAsync(record.Id, stop, watching.Token);
        try
        {
            return await hands.RunAsync(request, new CellAttemptContext(record.Id, attempt, origin), stop.Token);
        }
#pragma warning disable CA1031 // Whatever broke, the cell gets a result and the run goes on to its end.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var why = stop.IsCancellationRequested && !ct.IsCancellationRequested ? "its run ended (cancelled) while the cell ran" : $"the farm failed: {ex.Message}";
            RunLog.CellFailed(log, record.Id, cell.Id, attempt, why, ex);
            return FarmFailed(plan.Name, cell.Id, hands.BuildId, "run", why);
        }
        finally
        {
            await watching.CancelAsync();
            await watcher;
        }
    }

    /// <summary>Cancels the cell when its run ends elsewhere (a cancel on any instance).</summary>
    private async Task StopWhenRunEndsAsync(string runId, CancellationTokenSource stop, CancellationToken watching)
    {
        try
        {
            while (!watching.IsCancellationRequested)
            {
                await Task.Delay(options.CancelPollInterval, time, watching);
                try
                {
                    if (await runs.GetRunRecordAsync(runId, watching) is { } run && RunTransitions.IsEnded(run.State))
                    {
                        await stop.CancelAsync();
                        return;
                    }
                }
                catch (Storage.Database.StoreException) { /* the store is away for a moment: look again next time */ }
            }
        }
        catch (OperationCanceledException) when (watching.IsCancellationRequested) { }
    }

    /// <summary>Requests of earlier attempts still waiting in the queue will never be used: cancel them.</summary>
    private async Task WithdrawLostAttemptsAsync(string runId, string cellId)
    {
        foreach (var q in (await queue.ListOpenOfRunAsync(runId, CancellationToken.None)).Where(q => q.State == RequestState.Queued))
        {
            var id = q.Request.Id;
            if (ReservationRequest.RunOf(id) == runId && (id == $"{runId}/{cellId}" || id.StartsWith($"{runId}/{cellId}#", StringComparison.Ordinal)))
                await queue.SetStateAsync(id, RequestState.Cancelled, "its attempt was lost with its farm instance; a new attempt retries the cell", ct: CancellationToken.None);
        }
    }

    private CellResult FarmFailed(string plan, string cellId, string buildId, string phase, string why)
    {
        var parts = cellId.Split('/');
        return new CellResult
        {
            CellId = cellId, Plan = plan, Profile = parts.Length > 1 ? parts[1] : "(unknown)", Topology = parts.Length > 2 ? parts[2] : "(unknown)",
            Arch = "unknown", BuildId = buildId, Verdict = Verdict.InfraError,
            Tests = [new TestResult { TestId = $"{cellId}/{phase}", Name = $"phase {phase}", Suite = "pipeline", Verdict = Verdict.InfraError, Phase = phase, Message = why }],
            Phases = [new PhaseTiming { Phase = phase, Start = time.GetUtcNow(), Duration = TimeSpan.Zero, Succeeded = false, Error = why }],
        };
    }
}
