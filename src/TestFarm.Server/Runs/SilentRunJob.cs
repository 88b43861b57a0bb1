using System.Globalization;
using Microsoft.Extensions.Logging;
using Quartz;
using TestFarm.Core.Machines;
using TestFarm.Server.Hosting;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Runs;

/// <summary>
/// Quartz job: a run whose instance has not beaten for it within <see cref="FarmServerOptions.LeaseTtl"/> is taken
/// for dead (the instance was killed or cut off from the store): its waiting cells are withdrawn and the run ends
/// as Failed, naming the instance and its last beat. Cells that held machines are the lease reaper's: their leases
/// expire the same way. Should the instance still be alive, it sees the end and stops the run's cells itself.
/// One instance of a cluster runs it at a time.
/// </summary>
[DisallowConcurrentExecution]
public sealed class SilentRunJob(SqlFarmStore store, FarmServerOptions options, TimeProvider time, ILogger<SilentRunJob> log) : IJob
{
    public static readonly JobKey Key = new("silent-run-reaper", "testfarm");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await SweepAsync(cancellationToken);

    /// <summary>Ends the silent runs; returns the ids of those it ended.</summary>
    public async Task<IReadOnlyList<string>> SweepAsync(CancellationToken cancellationToken)
    {
        var ended = new List<string>();
        var now = time.GetUtcNow();
        foreach (var run in await store.ListSilentRunsAsync(now - options.LeaseTtl, cancellationToken))
        {
            if (!await RunEvents.HasEndedAsync(store, run.Id, cancellationToken))
            {
                var reason = string.Create(CultureInfo.InvariantCulture,
                    $"instance {run.Owner} stopped beating for it at {run.BeatAt:yyyy-MM-dd HH:mm:ss}Z ({(now - run.BeatAt).TotalSeconds:F0} s ago, lease TTL {options.LeaseTtl.TotalSeconds:F0} s): taken for dead; waiting cells withdrawn, cells holding machines are ended by the lease reaper");
                await RunEvents.WithdrawQueuedAsync(store, run.Id, $"its run was ended: instance {run.Owner} stopped beating");
                await store.AppendAsync(new AuditEvent
                {
                    At = now, Kind = RunEvents.Kind, Subject = run.Id, From = RunEvents.Running, To = RunEvents.Failed, Reason = reason,
                }, cancellationToken);
                ServerLog.SilentRunEnded(log, run.Id, reason);
                ended.Add(run.Id);
            }
            await store.DropRunHoldAsync(run.Id, cancellationToken);
        }
        return ended;
    }
}
