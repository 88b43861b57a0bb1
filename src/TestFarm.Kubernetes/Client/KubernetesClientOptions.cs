using System.ComponentModel.DataAnnotations;

namespace TestFarm.Kubernetes.Client;

/// <summary>Client settings. Every request but a watch stream is bounded by <see cref="RequestTimeout"/>.</summary>
public sealed record KubernetesClientOptions
{
    /// <summary>Per-request timeout. Default 30s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Server-side timeout asked for each watch connection (timeoutSeconds). Default 5 minutes.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The field manager of server-side apply. Default "testfarm".</summary>
    public string FieldManager { get; init; } = "testfarm";
}
