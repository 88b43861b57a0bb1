using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;

namespace TestFarm.Kubernetes.Client;

/// <summary>One watch event: ADDED, MODIFIED, DELETED, BOOKMARK (or RELISTED after a 410 Gone resync).</summary>
public sealed record WatchEvent(string Type, JsonObject Object)
{
    public string? ResourceVersion => Object["metadata"]?["resourceVersion"]?.GetValue<string>();
    public string? Name => Object["metadata"]?["name"]?.GetValue<string>();
}

/// <summary>What to watch: a kind, optionally in one namespace, narrowed by selectors.</summary>
public sealed record WatchRequest(ResourceKind Kind, string? Namespace = null, string? LabelSelector = null, string? FieldSelector = null);

/// <summary>Watches that resume from the last resourceVersion, ask for bookmarks, and relist after 410 Gone.</summary>
public interface IClusterWatch
{
    /// <summary>
    /// Streams changes after <paramref name="resourceVersion"/> (or from a fresh list when null), forever:
    /// reconnects when a stream ends, relists on 410 Gone (emitting RELISTED then ADDED for what exists).
    /// </summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(WatchRequest request, string? resourceVersion = null, CancellationToken cancellationToken = default);
}

/// <summary>Logs of a pod's container.</summary>
public interface IPodLogs
{
    Task<string> GetLogsAsync(string ns, string pod, string? container = null, int? tailLines = null, CancellationToken cancellationToken = default);
}

/// <summary>Deletion with an explicit propagation policy (Background, Foreground, Orphan).</summary>
public interface IClusterDelete
{
    Task<bool> DeleteAsync(ResourceRef resource, string propagationPolicy, CancellationToken cancellationToken = default);
}

/// <summary>A list with its resourceVersion, to start a watch from.</summary>
public sealed record ResourceList(IReadOnlyList<JsonObject> Items, string ResourceVersion);

public interface IClusterListing
{
    Task<ResourceList> ListWithVersionAsync(ResourceKind kind, string? ns = null, string? labelSelector = null,
        string? fieldSelector = null, CancellationToken cancellationToken = default);
}
