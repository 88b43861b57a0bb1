using Microsoft.Extensions.Logging;

namespace TestFarm.Server.Hosting;

internal static partial class ServerLog
{
    [LoggerMessage(EventId = 7090, EventName = "RequestFailed", Level = LogLevel.Error, Message = "{Method} {Path} failed (request {RequestId})")]
    public static partial void RequestFailed(ILogger logger, string method, string path, string requestId, Exception? exception);

    [LoggerMessage(EventId = 7001, EventName = "RunTriggered", Level = LogLevel.Information, Message = "Run {RunId} of plan {Plan} triggered by {Trigger}: {Cells} cells, on instance {Instance}")]
    public static partial void RunTriggered(ILogger logger, string runId, string plan, string trigger, int cells, string instance);

    [LoggerMessage(EventId = 7002, EventName = "RunFinished", Level = LogLevel.Information, Message = "Run {RunId} finished: {Cells} cells recorded")]
    public static partial void RunFinished(ILogger logger, string runId, int cells);

    [LoggerMessage(EventId = 7003, EventName = "RunFailed", Level = LogLevel.Error, Message = "Run {RunId} failed in the farm: {Error}")]
    public static partial void RunFailed(ILogger logger, string runId, string error, Exception exception);

    [LoggerMessage(EventId = 7004, EventName = "RunCancelling", Level = LogLevel.Information, Message = "Run {RunId}: cancel requested, stopping its cells")]
    public static partial void RunCancelling(ILogger logger, string runId);

    [LoggerMessage(EventId = 7005, EventName = "Draining", Level = LogLevel.Information, Message = "Instance {Instance} stopping: no new runs, waiting for {Runs} in flight")]
    public static partial void Draining(ILogger logger, string instance, int runs);

    [LoggerMessage(EventId = 7006, EventName = "StoreTrouble", Level = LogLevel.Warning, Message = "Store trouble during {Operation}: {Error}")]
    public static partial void StoreTrouble(ILogger logger, string operation, string error);

    [LoggerMessage(EventId = 7007, EventName = "MachineAction", Level = LogLevel.Information, Message = "Machine {MachineId}: {Action} by token {Token} ({From} -> {To})")]
    public static partial void MachineAction(ILogger logger, string machineId, string action, string token, Core.Machines.MachineState from, Core.Machines.MachineState to);

    [LoggerMessage(EventId = 7008, EventName = "NightlyFired", Level = LogLevel.Information, Message = "Nightly trigger of plan {Plan} fired: {Outcome}")]
    public static partial void NightlyFired(ILogger logger, string plan, string outcome);

    [LoggerMessage(EventId = 7009, EventName = "MachineCleaned", Level = LogLevel.Information, Message = "Machine {MachineId} left in Cleaning was cleaned, now {State}")]
    public static partial void MachineCleaned(ILogger logger, string machineId, Core.Machines.MachineState state);

    [LoggerMessage(EventId = 7011, EventName = "MachineMovedMeanwhile", Level = LogLevel.Information, Message = "Machine {MachineId} was moved while the cleaner cleaned it: {Error}")]
    public static partial void MachineMovedMeanwhile(ILogger logger, string machineId, string error);

    [LoggerMessage(EventId = 7010, EventName = "Listening", Level = LogLevel.Information, Message = "Instance {Instance} serving on {Address} ({Store})")]
    public static partial void Listening(ILogger logger, string instance, string address, string store);

    [LoggerMessage(EventId = 7012, EventName = "ObserverFailed", Level = LogLevel.Warning, Message = "Run {RunId}: {Observer} failed: {Error}")]
    public static partial void ObserverFailed(ILogger logger, string runId, string observer, string error);

    [LoggerMessage(EventId = 7013, EventName = "RunHeldElsewhere", Level = LogLevel.Warning, Message = "Run {RunId}: its beat by {Instance} was refused (finished, or held by another instance)")]
    public static partial void RunHeldElsewhere(ILogger logger, string runId, string instance);

    [LoggerMessage(EventId = 7014, EventName = "RunEndedElsewhere", Level = LogLevel.Warning, Message = "Run {RunId} was ended by another instance, stopping its cells: {Reason}")]
    public static partial void RunEndedElsewhere(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 7015, EventName = "SilentRunEnded", Level = LogLevel.Warning, Message = "Run {RunId} ended as failed: {Reason}")]
    public static partial void SilentRunEnded(ILogger logger, string runId, string reason);
}
