using Microsoft.Extensions.Logging;

namespace TestFarm.Lab.Cluster;

/// <summary>Log events of the simulated cluster (EventIds 7100-7199).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 7100, EventName = "SimulatedClusterStarted", Level = LogLevel.Information,
        Message = "Simulated Kubernetes API (a simulation, not a real cluster) serving at {Url} with {NodeCount} nodes")]
    public static partial void Started(ILogger logger, Uri url, int nodeCount);

    [LoggerMessage(EventId = 7101, EventName = "SimulatedClusterStopped", Level = LogLevel.Information,
        Message = "Simulated Kubernetes API at {Url} stopped")]
    public static partial void Stopped(ILogger logger, Uri url);

    [LoggerMessage(EventId = 7102, EventName = "ReconcileFailed", Level = LogLevel.Warning,
        Message = "Simulated controllers failed one pass")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7103, EventName = "Unauthenticated", Level = LogLevel.Warning,
        Message = "Refused {Method} {Path}: no client certificate from the cluster CA and no valid token")]
    public static partial void Unauthenticated(ILogger logger, string method, string path);
}
