using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;

namespace TestFarm.Storage;

internal static partial class StorageLog
{
    [LoggerMessage(EventId = EventIds.Storage.StoreMigrated, EventName = nameof(EventIds.Storage.StoreMigrated), Level = LogLevel.Information, Message = "Store {Place} ready, {Applied} migrations applied")]
    public static partial void Migrated(ILogger logger, string place, int applied);

    [LoggerMessage(EventId = EventIds.Storage.StoreRetrying, EventName = nameof(EventIds.Storage.StoreRetrying), Level = LogLevel.Warning, Message = "Store {Place}: {Operation} failed before commit, reconnecting once: {Error}")]
    public static partial void Retrying(ILogger logger, string place, string operation, string error);

    [LoggerMessage(EventId = EventIds.Storage.LeaseGranted, EventName = nameof(EventIds.Storage.LeaseGranted), Level = LogLevel.Information, Message = "Lease {LeaseId} granted to {Holder} for {RequestId}: {Machines}")]
    public static partial void Granted(ILogger logger, string leaseId, string holder, string requestId, IReadOnlyList<string> machines);

    [LoggerMessage(EventId = EventIds.Storage.LeaseReaped, EventName = nameof(EventIds.Storage.LeaseReaped), Level = LogLevel.Warning, Message = "Lease {LeaseId} of {Holder} reaped: {Reason}; machines to Cleaning: {Machines}")]
    public static partial void Reaped(ILogger logger, string leaseId, string holder, string reason, IReadOnlyList<string> machines);

    [LoggerMessage(EventId = EventIds.Storage.MachineMoved, EventName = nameof(EventIds.Storage.MachineMoved), Level = LogLevel.Information, Message = "Machine {MachineId} {From} -> {To}: {Reason}")]
    public static partial void Moved(ILogger logger, string machineId, TestFarm.Core.Machines.MachineState from, TestFarm.Core.Machines.MachineState to, string reason);

    [LoggerMessage(EventId = EventIds.Storage.StoreBatchRefused, EventName = nameof(EventIds.Storage.StoreBatchRefused), Level = LogLevel.Warning, Message = "Store {Place}: {Operation} refused as a batch, running each call alone: {Error}")]
    public static partial void BatchRefused(ILogger logger, string place, string operation, string error);
}
