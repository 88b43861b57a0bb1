using Microsoft.Extensions.Logging;
using Quartz;
using TestFarm.Core.Runs;

namespace TestFarm.Orchestration.Runs;

/// <summary>
/// Quartz job, one instance of a cluster at a time: makes sure every run ends. A run whose cells are all recorded but
/// which has not ended (its instance died between the two) is ended; a cell not recorded that has no job (its instance
/// died before scheduling it, or its job failed outright) is scheduled again, which counts as a lost attempt.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RunSweepJob(IRunWorkStore runs, RunFinisher finisher, ILogger<RunSweepJob> log) : IJob
{
    public static readonly JobKey Key = new("run-sweep", "testfarm");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await SweepAsync(context.Scheduler, cancellationToken);
    }

    /// <summary>Returns what it did, one line per run or cell.</summary>
    public async Task<IReadOnlyList<string>> SweepAsync(IScheduler scheduler, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        var done = new List<string>();
        foreach (var run in await runs.ListOpenRunsAsync(ct))
        {
            var cells = await runs.ListCellWorkAsync(run.Id, ct);
            if (cells.Count > 0 && cells.All(c => c.State == CellWorkState.Recorded))
            {
                if (await finisher.EndAsync(run.Id, "all cells recorded (ended by the sweep)", ct)) done.Add($"{run.Id}: ended");
                continue;
            }
            foreach (var cell in cells.Where(c => c.State != CellWorkState.Recorded))
            {
                if (await scheduler.Exists(CellJob.KeyFor(run.Id, cell.CellId), ct)) continue;
                var why = cell.State == CellWorkState.Pending ? "never scheduled" : $"attempt {cell.Attempts} has no job left";
                // Checked again right before: the job may have just recorded the cell and gone.
                if ((await runs.ListCellWorkAsync(run.Id, ct)).Single(c => c.CellId == cell.CellId).State == CellWorkState.Recorded) continue;
                if (await RunEngine.ScheduleCellAsync(scheduler, run.Id, cell.CellId, ct))
                {
                    RunLog.CellRescheduled(log, run.Id, cell.CellId, why);
                    done.Add($"{run.Id}/{cell.CellId}: scheduled ({why})");
                }
            }
        }
        return done;
    }
}
