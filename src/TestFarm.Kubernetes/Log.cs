using Microsoft.Extensions.Logging;

namespace TestFarm.Kubernetes;

/// <summary>Log events of TestFarm.Kubernetes (EventIds 7000-7099). Never logs kubeconfigs, keys or tokens.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 7000, EventName = "Applied", Level = LogLevel.Debug, Message = "Applied {Kind} {Namespace}/{Name}")]
    public static partial void Applied(ILogger logger, string kind, string @namespace, string name);

    [LoggerMessage(EventId = 7001, EventName = "WatchGone", Level = LogLevel.Information,
        Message = "Watch of {Kind} from resourceVersion {ResourceVersion} expired (410 Gone); relisting")]
    public static partial void WatchGone(ILogger logger, string kind, string resourceVersion);

    [LoggerMessage(EventId = 7002, EventName = "ManifestApplied", Level = LogLevel.Information,
        Message = "Applied {Count} objects from {Source}")]
    public static partial void ManifestApplied(ILogger logger, int count, string source);

    [LoggerMessage(EventId = 7003, EventName = "AddonReady", Level = LogLevel.Information, Message = "Add-on {Addon} ready: {Summary}")]
    public static partial void AddonReady(ILogger logger, string addon, string summary);

    [LoggerMessage(EventId = 7004, EventName = "Deploying", Level = LogLevel.Information,
        Message = "Deployer {Deployer}: cell {CellId}, {MachineCount} machines, Kubernetes {Version}")]
    public static partial void Deploying(ILogger logger, string deployer, string cellId, int machineCount, string version);
}
