using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;

namespace TestFarm.Orchestration.Pipeline;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.Orchestration.CellReserved, EventName = nameof(EventIds.Orchestration.CellReserved), Level = LogLevel.Information,
        Message = "Cell {CellId} holds lease {LeaseId} on {Machines}")]
    public static partial void CellReserved(ILogger logger, string cellId, string leaseId, string machines);

    [LoggerMessage(EventId = EventIds.Orchestration.PhaseFailed, EventName = nameof(EventIds.Orchestration.PhaseFailed), Level = LogLevel.Warning,
        Message = "Cell {CellId} failed in phase {Phase}: {Error}")]
    public static partial void PhaseFailed(ILogger logger, string cellId, string phase, string error);

    [LoggerMessage(EventId = EventIds.Orchestration.SpareUsed, EventName = nameof(EventIds.Orchestration.SpareUsed), Level = LogLevel.Information,
        Message = "Cell {CellId} replaces {Machine} with spare {Spare}")]
    public static partial void SpareUsed(ILogger logger, string cellId, string machine, string spare);

    [LoggerMessage(EventId = EventIds.Orchestration.HeartbeatFailed, EventName = nameof(EventIds.Orchestration.HeartbeatFailed), Level = LogLevel.Warning,
        Message = "Heartbeat of lease {LeaseId} failed: {Error}")]
    public static partial void HeartbeatFailed(ILogger logger, string leaseId, string error);

    [LoggerMessage(EventId = EventIds.Orchestration.RunFinished, EventName = nameof(EventIds.Orchestration.RunFinished), Level = LogLevel.Information,
        Message = "Run {RunId} of plan {Plan} finished: {Cells} cells")]
    public static partial void RunFinished(ILogger logger, string runId, string plan, int cells);

    [LoggerMessage(EventId = EventIds.Orchestration.PhaseNotAudited, EventName = nameof(EventIds.Orchestration.PhaseNotAudited), Level = LogLevel.Warning,
        Message = "Cell {CellId}: phase {Phase} not written to the audit log: {Error}")]
    public static partial void PhaseNotAudited(ILogger logger, string cellId, string phase, string error);

    [LoggerMessage(EventId = EventIds.Orchestration.CellHeld, EventName = nameof(EventIds.Orchestration.CellHeld), Level = LogLevel.Information,
        Message = "Cell {CellId} failed: lease {LeaseId} held uncleaned as reservation {ReservationId} for {Owner}")]
    public static partial void CellHeld(ILogger logger, string cellId, string leaseId, string reservationId, string owner);
}
