using System.ComponentModel.DataAnnotations;

namespace TestFarm.Kubernetes.Client;

/// <summary>Client settings. Every request but a watch stream is bounded by <see cref="RequestTimeout"/>.</summary>
public sealed record KubernetesClientOptions
{
    /// <summary>The configuration section bound by <see cref="KubernetesServiceCollectionExtensions.AddTestFarmKubernetes"/>.</summary>
    public const string Section = "Kubernetes";

    /// <summary>Per-request timeout. Default 30s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Server-side timeout asked for each watch connection (timeoutSeconds). Default 5 minutes; at least 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The field manager of server-side apply. Default "testfarm".</summary>
    [Required]
    public string FieldManager { get; set; } = "testfarm";
}
