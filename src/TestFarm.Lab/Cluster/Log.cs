using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;

namespace TestFarm.Lab.Cluster;

/// <summary>Log events of the simulated cluster (EventIds 7100-7199).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.Lab.SimulatedClusterStarted, EventName = nameof(EventIds.Lab.SimulatedClusterStarted), Level = LogLevel.Information,
        Message = "Simulated Kubernetes API (a simulation, not a real cluster) serving at {Url} with {NodeCount} nodes")]
    public static partial void Started(ILogger logger, Uri url, int nodeCount);

    [LoggerMessage(EventId = EventIds.Lab.SimulatedClusterStopped, EventName = nameof(EventIds.Lab.SimulatedClusterStopped), Level = LogLevel.Information,
        Message = "Simulated Kubernetes API at {Url} stopped")]
    public static partial void Stopped(ILogger logger, Uri url);

    [LoggerMessage(EventId = EventIds.Lab.ReconcileFailed, EventName = nameof(EventIds.Lab.ReconcileFailed), Level = LogLevel.Warning,
        Message = "Simulated controllers failed one pass")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = EventIds.Lab.Unauthenticated, EventName = nameof(EventIds.Lab.Unauthenticated), Level = LogLevel.Warning,
        Message = "Refused {Method} {Path}: no client certificate from the cluster CA and no valid token")]
    public static partial void Unauthenticated(ILogger logger, string method, string path);
}
