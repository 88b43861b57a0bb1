using System.Text.Json.Nodes;

namespace TestFarm.Core.Cluster;

/// <summary>
/// A narrow Kubernetes API client. Objects travel as JSON (<see cref="JsonObject"/>), exactly as the
/// API server speaks them. Implemented by TestFarm.Kubernetes; errors throw <see cref="ClusterApiException"/>.
/// </summary>
public interface IClusterApi
{
    Task<JsonObject?> GetAsync(ResourceRef resource, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<JsonObject>> ListAsync(ResourceKind kind, string? ns = null, string? labelSelector = null,
        CancellationToken cancellationToken = default);

    /// <summary>Server-side apply with the farm's field manager; returns the object as stored.</summary>
    Task<JsonObject> ApplyAsync(JsonObject obj, CancellationToken cancellationToken = default);

    /// <summary>Deletes; returns false when the object did not exist.</summary>
    Task<bool> DeleteAsync(ResourceRef resource, CancellationToken cancellationToken = default);
}

/// <summary>A kind in an API group-version, e.g. ("apps/v1", "Deployment").</summary>
public sealed record ResourceKind(string ApiVersion, string Kind)
{
    public static readonly ResourceKind Pod = new("v1", "Pod");
    public static readonly ResourceKind Node = new("v1", "Node");
    public static readonly ResourceKind Service = new("v1", "Service");
    public static readonly ResourceKind Namespace = new("v1", "Namespace");
    public static readonly ResourceKind Deployment = new("apps/v1", "Deployment");
    public static readonly ResourceKind DaemonSet = new("apps/v1", "DaemonSet");
    public static readonly ResourceKind StatefulSet = new("apps/v1", "StatefulSet");
}

public sealed record ResourceRef(ResourceKind Kind, string Name, string? Namespace = null);

/// <summary>The API answered with an error <c>Status</c>.</summary>
public sealed class ClusterApiException : Exception
{
    public ClusterApiException(string message) : base(message) { }
    public ClusterApiException(string message, Exception inner) : base(message, inner) { }
    public ClusterApiException(int code, string? reason, string message, Uri? uri = null) : base(message)
    {
        Code = code;
        Reason = reason;
        Uri = uri;
    }

    public int Code { get; }
    public string? Reason { get; }
    public Uri? Uri { get; }
}
