using Microsoft.Extensions.Logging;

namespace TestFarm.Orchestration.Pipeline;

internal static partial class Log
{
    [LoggerMessage(EventId = 3001, EventName = "CellReserved", Level = LogLevel.Information,
        Message = "Cell {CellId} holds lease {LeaseId} on {Machines}")]
    public static partial void CellReserved(ILogger logger, string cellId, string leaseId, string machines);

    [LoggerMessage(EventId = 3002, EventName = "PhaseFailed", Level = LogLevel.Warning,
        Message = "Cell {CellId} failed in phase {Phase}: {Error}")]
    public static partial void PhaseFailed(ILogger logger, string cellId, string phase, string error);

    [LoggerMessage(EventId = 3003, EventName = "SpareUsed", Level = LogLevel.Information,
        Message = "Cell {CellId} replaces {Machine} with spare {Spare}")]
    public static partial void SpareUsed(ILogger logger, string cellId, string machine, string spare);

    [LoggerMessage(EventId = 3004, EventName = "HeartbeatFailed", Level = LogLevel.Warning,
        Message = "Heartbeat of lease {LeaseId} failed: {Error}")]
    public static partial void HeartbeatFailed(ILogger logger, string leaseId, string error);

    [LoggerMessage(EventId = 3005, EventName = "RunFinished", Level = LogLevel.Information,
        Message = "Run {RunId} of plan {Plan} finished: {Cells} cells")]
    public static partial void RunFinished(ILogger logger, string runId, string plan, int cells);

    [LoggerMessage(EventId = 3006, EventName = "PhaseNotAudited", Level = LogLevel.Warning,
        Message = "Cell {CellId}: phase {Phase} not written to the audit log: {Error}")]
    public static partial void PhaseNotAudited(ILogger logger, string cellId, string phase, string error);
}
