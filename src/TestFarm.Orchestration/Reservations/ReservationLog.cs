using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;

namespace TestFarm.Orchestration.Reservations;

internal static partial class ReservationLog
{
    [LoggerMessage(EventId = EventIds.Orchestration.ReaperRan, EventName = nameof(EventIds.Orchestration.ReaperRan), Level = LogLevel.Debug, Message = "Lease reaper ran, {Count} leases reaped")]
    public static partial void ReaperRan(ILogger logger, int count);

    [LoggerMessage(EventId = EventIds.Orchestration.RequestRejected, EventName = nameof(EventIds.Orchestration.RequestRejected), Level = LogLevel.Warning, Message = "Request {RequestId} rejected: {Reason}")]
    public static partial void Rejected(ILogger logger, string requestId, string reason);

    [LoggerMessage(EventId = EventIds.Orchestration.RequestStarted, EventName = nameof(EventIds.Orchestration.RequestStarted), Level = LogLevel.Information, Message = "Request {RequestId} granted lease {LeaseId} (backfilled: {Backfilled})")]
    public static partial void Started(ILogger logger, string requestId, string leaseId, bool backfilled);

    [LoggerMessage(EventId = EventIds.Orchestration.ClaimLost, EventName = nameof(EventIds.Orchestration.ClaimLost), Level = LogLevel.Information, Message = "Request {RequestId} lost its machines to another instance: {Reason}")]
    public static partial void ClaimLost(ILogger logger, string requestId, string reason);

    [LoggerMessage(EventId = EventIds.Orchestration.ReapedCell, EventName = nameof(EventIds.Orchestration.ReapedCell), Level = LogLevel.Warning, Message = "Cell of request {RequestId} after its lease was reaped: {Action} ({Reason})")]
    public static partial void ReapedCell(ILogger logger, string requestId, string action, string reason);

    [LoggerMessage(EventId = EventIds.Orchestration.ReservationRoundFailed, EventName = nameof(EventIds.Orchestration.ReservationRoundFailed), Level = LogLevel.Warning, Message = "Reservation round of {Holder} failed ({Failures} in a row): {Error}")]
    public static partial void RoundFailed(ILogger logger, string holder, int failures, string error);

    [LoggerMessage(EventId = EventIds.Orchestration.RequestsPruned, EventName = nameof(EventIds.Orchestration.RequestsPruned), Level = LogLevel.Information, Message = "Pruned {Count} requests ended more than {Retention} ago")]
    public static partial void Pruned(ILogger logger, int count, TimeSpan retention);

    [LoggerMessage(EventId = EventIds.Orchestration.RequestPruneFailed, EventName = nameof(EventIds.Orchestration.RequestPruneFailed), Level = LogLevel.Warning, Message = "Pruning ended requests failed: {Error}")]
    public static partial void PruneFailed(ILogger logger, string error);

    [LoggerMessage(EventId = EventIds.Orchestration.LeasesReclaimed, EventName = nameof(EventIds.Orchestration.LeasesReclaimed), Level = LogLevel.Warning, Message = "{Holder} started again: reclaimed {Count} lease(s) its earlier process held ({Leases}); kept {Kept} hands-on lease(s)")]
    public static partial void Reclaimed(ILogger logger, string holder, int count, string leases, int kept);

    [LoggerMessage(EventId = EventIds.Orchestration.ReclaimFailed, EventName = nameof(EventIds.Orchestration.ReclaimFailed), Level = LogLevel.Warning, Message = "{Holder} could not reclaim the leases of its earlier process (the reaper ends them after their expiry): {Error}")]
    public static partial void ReclaimFailed(ILogger logger, string holder, string error);
}
