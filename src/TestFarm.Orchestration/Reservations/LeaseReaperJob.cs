using Microsoft.Extensions.Logging;
using Quartz;
using TestFarm.Core.Leases;

namespace TestFarm.Orchestration.Reservations;

/// <summary>Told about every lease the reaper ended, e.g. to mark its cell infra-error or requeue it.</summary>
public interface IReapedLeaseHandler
{
    Task OnReapedAsync(IReadOnlyList<Lease> reaped, CancellationToken ct);
}

/// <summary>
/// Quartz job: reaps expired leases (machines to Cleaning with the reason, lease Reaped), then tells the
/// registered <see cref="IReapedLeaseHandler"/>s. Never runs twice at once; on a cluster, one instance runs it.
/// </summary>
[DisallowConcurrentExecution]
public sealed class LeaseReaperJob(ILeaseStore leases, IEnumerable<IReapedLeaseHandler> handlers, ILogger<LeaseReaperJob> log) : IJob
{
    public static readonly JobKey Key = new("lease-reaper", "testfarm");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var reaped = await leases.ReapExpiredAsync(cancellationToken).ConfigureAwait(false);
        ReservationLog.ReaperRan(log, reaped.Count);
        foreach (var handler in handlers)
            await handler.OnReapedAsync(reaped, cancellationToken).ConfigureAwait(false);
    }
}
