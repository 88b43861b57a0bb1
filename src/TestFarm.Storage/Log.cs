using Microsoft.Extensions.Logging;

namespace TestFarm.Storage;

internal static partial class StorageLog
{
    [LoggerMessage(EventId = 5001, EventName = "StoreMigrated", Level = LogLevel.Information, Message = "Store {Place} ready, {Applied} migrations applied")]
    public static partial void Migrated(ILogger logger, string place, int applied);

    [LoggerMessage(EventId = 5002, EventName = "StoreRetrying", Level = LogLevel.Warning, Message = "Store {Place}: {Operation} failed before commit, reconnecting once: {Error}")]
    public static partial void Retrying(ILogger logger, string place, string operation, string error);

    [LoggerMessage(EventId = 5003, EventName = "LeaseGranted", Level = LogLevel.Information, Message = "Lease {LeaseId} granted to {Holder} for {RequestId}: {Machines}")]
    public static partial void Granted(ILogger logger, string leaseId, string holder, string requestId, IReadOnlyList<string> machines);

    [LoggerMessage(EventId = 5004, EventName = "LeaseReaped", Level = LogLevel.Warning, Message = "Lease {LeaseId} of {Holder} reaped: {Reason}; machines to Cleaning: {Machines}")]
    public static partial void Reaped(ILogger logger, string leaseId, string holder, string reason, IReadOnlyList<string> machines);

    [LoggerMessage(EventId = 5005, EventName = "MachineMoved", Level = LogLevel.Information, Message = "Machine {MachineId} {From} -> {To}: {Reason}")]
    public static partial void Moved(ILogger logger, string machineId, TestFarm.Core.Machines.MachineState from, TestFarm.Core.Machines.MachineState to, string reason);

    [LoggerMessage(EventId = 5006, EventName = "StoreBatchRefused", Level = LogLevel.Warning, Message = "Store {Place}: {Operation} refused as a batch, running each call alone: {Error}")]
    public static partial void BatchRefused(ILogger logger, string place, string operation, string error);
}
