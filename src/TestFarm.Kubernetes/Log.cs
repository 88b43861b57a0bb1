using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;

namespace TestFarm.Kubernetes;

/// <summary>Log events of TestFarm.Kubernetes (EventIds 7000-7099). Never logs kubeconfigs, keys or tokens.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.Kubernetes.Applied, EventName = nameof(EventIds.Kubernetes.Applied), Level = LogLevel.Debug, Message = "Applied {Kind} {Namespace}/{Name}")]
    public static partial void Applied(ILogger logger, string kind, string @namespace, string name);

    [LoggerMessage(EventId = EventIds.Kubernetes.WatchGone, EventName = nameof(EventIds.Kubernetes.WatchGone), Level = LogLevel.Information,
        Message = "Watch of {Kind} from resourceVersion {ResourceVersion} expired (410 Gone); relisting")]
    public static partial void WatchGone(ILogger logger, string kind, string resourceVersion);

    [LoggerMessage(EventId = EventIds.Kubernetes.ManifestApplied, EventName = nameof(EventIds.Kubernetes.ManifestApplied), Level = LogLevel.Information,
        Message = "Applied {Count} objects from {Source}")]
    public static partial void ManifestApplied(ILogger logger, int count, string source);

    [LoggerMessage(EventId = EventIds.Kubernetes.AddonReady, EventName = nameof(EventIds.Kubernetes.AddonReady), Level = LogLevel.Information, Message = "Add-on {Addon} ready: {Summary}")]
    public static partial void AddonReady(ILogger logger, string addon, string summary);

    [LoggerMessage(EventId = EventIds.Kubernetes.Deploying, EventName = nameof(EventIds.Kubernetes.Deploying), Level = LogLevel.Information,
        Message = "Deployer {Deployer}: cell {CellId}, {MachineCount} machines, Kubernetes {Version}")]
    public static partial void Deploying(ILogger logger, string deployer, string cellId, int machineCount, string version);
}
