using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;

namespace TestFarm.Server.Hosting;

internal static partial class ServerLog
{
    [LoggerMessage(EventId = EventIds.Server.RequestFailed, EventName = nameof(EventIds.Server.RequestFailed), Level = LogLevel.Error, Message = "{Method} {Path} failed (request {RequestId})")]
    public static partial void RequestFailed(ILogger logger, string method, string path, string requestId, Exception? exception);

    [LoggerMessage(EventId = EventIds.Server.StoreUnavailable, EventName = nameof(EventIds.Server.StoreUnavailable), Level = LogLevel.Warning,
        Message = "{Method} {Path} answered 503: the database {Database} is unavailable (request {RequestId})")]
    public static partial void StoreUnavailable(ILogger logger, string method, string path, string database, string requestId, Exception exception);

    [LoggerMessage(EventId = EventIds.Server.RunTriggered, EventName = nameof(EventIds.Server.RunTriggered), Level = LogLevel.Information, Message = "Run {RunId} of plan {Plan} triggered by {Trigger}: {Cells} cells, on instance {Instance}")]
    public static partial void RunTriggered(ILogger logger, string runId, string plan, string trigger, int cells, string instance);

    [LoggerMessage(EventId = EventIds.Server.RunFinished, EventName = nameof(EventIds.Server.RunFinished), Level = LogLevel.Information, Message = "Run {RunId} finished: {Cells} cells recorded")]
    public static partial void RunFinished(ILogger logger, string runId, int cells);

    [LoggerMessage(EventId = EventIds.Server.RunFailed, EventName = nameof(EventIds.Server.RunFailed), Level = LogLevel.Error, Message = "Run {RunId} failed in the farm: {Error}")]
    public static partial void RunFailed(ILogger logger, string runId, string error, Exception exception);

    [LoggerMessage(EventId = EventIds.Server.RunCancelling, EventName = nameof(EventIds.Server.RunCancelling), Level = LogLevel.Information, Message = "Run {RunId}: cancel requested, stopping its cells")]
    public static partial void RunCancelling(ILogger logger, string runId);

    [LoggerMessage(EventId = EventIds.Server.Draining, EventName = nameof(EventIds.Server.Draining), Level = LogLevel.Information, Message = "Instance {Instance} stopping: no new runs, waiting for {Runs} in flight")]
    public static partial void Draining(ILogger logger, string instance, int runs);

    [LoggerMessage(EventId = EventIds.Server.StoreTrouble, EventName = nameof(EventIds.Server.StoreTrouble), Level = LogLevel.Warning, Message = "Store trouble during {Operation}: {Error}")]
    public static partial void StoreTrouble(ILogger logger, string operation, string error);

    [LoggerMessage(EventId = EventIds.Server.MachineAction, EventName = nameof(EventIds.Server.MachineAction), Level = LogLevel.Information, Message = "Machine {MachineId}: {Action} by token {Token} ({From} -> {To})")]
    public static partial void MachineAction(ILogger logger, string machineId, string action, string token, Core.Machines.MachineState from, Core.Machines.MachineState to);

    [LoggerMessage(EventId = EventIds.Server.NightlyFired, EventName = nameof(EventIds.Server.NightlyFired), Level = LogLevel.Information, Message = "Nightly trigger of plan {Plan} fired: {Outcome}")]
    public static partial void NightlyFired(ILogger logger, string plan, string outcome);

    [LoggerMessage(EventId = EventIds.Server.MachineCleaned, EventName = nameof(EventIds.Server.MachineCleaned), Level = LogLevel.Information, Message = "Machine {MachineId} left in Cleaning was cleaned, now {State}")]
    public static partial void MachineCleaned(ILogger logger, string machineId, Core.Machines.MachineState state);

    [LoggerMessage(EventId = EventIds.Server.MachineMovedMeanwhile, EventName = nameof(EventIds.Server.MachineMovedMeanwhile), Level = LogLevel.Information, Message = "Machine {MachineId} was moved while the cleaner cleaned it: {Error}")]
    public static partial void MachineMovedMeanwhile(ILogger logger, string machineId, string error);

    [LoggerMessage(EventId = EventIds.Server.Listening, EventName = nameof(EventIds.Server.Listening), Level = LogLevel.Information, Message = "Instance {Instance} serving on {Address} ({Store})")]
    public static partial void Listening(ILogger logger, string instance, string address, string store);

    [LoggerMessage(EventId = EventIds.Server.ObserverFailed, EventName = nameof(EventIds.Server.ObserverFailed), Level = LogLevel.Warning, Message = "Run {RunId}: {Observer} failed: {Error}")]
    public static partial void ObserverFailed(ILogger logger, string runId, string observer, string error);

    [LoggerMessage(EventId = EventIds.Server.RunHeldElsewhere, EventName = nameof(EventIds.Server.RunHeldElsewhere), Level = LogLevel.Warning, Message = "Run {RunId}: its beat by {Instance} was refused (finished, or held by another instance)")]
    public static partial void RunHeldElsewhere(ILogger logger, string runId, string instance);

    [LoggerMessage(EventId = EventIds.Server.RunEndedElsewhere, EventName = nameof(EventIds.Server.RunEndedElsewhere), Level = LogLevel.Warning, Message = "Run {RunId} was ended by another instance, stopping its cells: {Reason}")]
    public static partial void RunEndedElsewhere(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = EventIds.Server.SilentRunEnded, EventName = nameof(EventIds.Server.SilentRunEnded), Level = LogLevel.Warning, Message = "Run {RunId} ended as failed: {Reason}")]
    public static partial void SilentRunEnded(ILogger logger, string runId, string reason);
}
