using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;

namespace TestFarm.Orchestration.Runs;

internal static partial class RunLog
{
    [LoggerMessage(EventId = EventIds.Orchestration.RunTriggered, EventName = nameof(EventIds.Orchestration.RunTriggered), Level = LogLevel.Information, Message = "Run {RunId} of plan {Plan} triggered ({Trigger}): {Cells} cells queued as durable jobs")]
    public static partial void RunTriggered(ILogger logger, string runId, string plan, string trigger, int cells);

    [LoggerMessage(EventId = EventIds.Orchestration.CellTaken, EventName = nameof(EventIds.Orchestration.CellTaken), Level = LogLevel.Information, Message = "Cell {RunId}/{CellId} attempt {Attempt} taken by {Instance} (recovering: {Recovering})")]
    public static partial void CellTaken(ILogger logger, string runId, string cellId, int attempt, string instance, bool recovering);

    [LoggerMessage(EventId = EventIds.Orchestration.CellRecorded, EventName = nameof(EventIds.Orchestration.CellRecorded), Level = LogLevel.Information, Message = "Cell {RunId}/{CellId} recorded {Verdict}; {Open} cells of the run still open")]
    public static partial void CellRecorded(ILogger logger, string runId, string cellId, Core.Results.Verdict verdict, int open);

    [LoggerMessage(EventId = EventIds.Orchestration.RunEnded, EventName = nameof(EventIds.Orchestration.RunEnded), Level = LogLevel.Information, Message = "Run {RunId} ended {State}: {Reason}")]
    public static partial void RunEnded(ILogger logger, string runId, Core.Runs.RunState state, string reason);

    [LoggerMessage(EventId = EventIds.Orchestration.ReportsFailed, EventName = nameof(EventIds.Orchestration.ReportsFailed), Level = LogLevel.Error, Message = "Reports of run {RunId} could not be written to {Folder}: {Error}")]
    public static partial void ReportsFailed(ILogger logger, string runId, string folder, string error);

    [LoggerMessage(EventId = EventIds.Orchestration.ObserverFailed, EventName = nameof(EventIds.Orchestration.ObserverFailed), Level = LogLevel.Warning, Message = "Observer {Observer} failed for run {RunId}: {Error}")]
    public static partial void ObserverFailed(ILogger logger, string runId, string observer, string error);

    [LoggerMessage(EventId = EventIds.Orchestration.CellRescheduled, EventName = nameof(EventIds.Orchestration.CellRescheduled), Level = LogLevel.Warning, Message = "Cell {RunId}/{CellId} had no job: scheduled again ({Why})")]
    public static partial void CellRescheduled(ILogger logger, string runId, string cellId, string why);

    [LoggerMessage(EventId = EventIds.Orchestration.CellFailed, EventName = nameof(EventIds.Orchestration.CellFailed), Level = LogLevel.Error, Message = "Cell {RunId}/{CellId} attempt {Attempt}: the farm failed: {Error}")]
    public static partial void CellFailed(ILogger logger, string runId, string cellId, int attempt, string error, Exception exception);

    [LoggerMessage(EventId = EventIds.Orchestration.CellSkipped, EventName = nameof(EventIds.Orchestration.CellSkipped), Level = LogLevel.Information, Message = "Cell {RunId}/{CellId}: nothing to do ({Why})")]
    public static partial void CellSkipped(ILogger logger, string runId, string cellId, string why);
}
