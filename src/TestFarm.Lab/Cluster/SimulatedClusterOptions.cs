using System.ComponentModel.DataAnnotations;

namespace TestFarm.Lab.Cluster;

/// <summary>Settings of one simulated cluster. Defaults suit a person at a terminal; tests shorten the delays.</summary>
public sealed record SimulatedClusterOptions
{
    /// <summary>Port on 127.0.0.1; 0 (default) picks a free one.</summary>
    [Range(0, 65535)]
    public int Port { get; init; }

    /// <summary>The Kubernetes version the server claims (gitVersion gets a "-testfarm-simulation" suffix).</summary>
    public string KubernetesVersion { get; init; } = "1.32.0";

    /// <summary>How long after creation a pod on a Ready node turns Ready. Default 2s.</summary>
    public TimeSpan PodReadyDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the simulated controllers run. Default 250ms.</summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Quiet time after which a watch with allowWatchBookmarks gets a BOOKMARK. Default 5s.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a node whose kubelet stopped posting status stays as it was before the node lifecycle controller marks it
    /// Unknown (kube-controller-manager's <c>--node-monitor-grace-period</c>). Default 40s.
    /// </summary>
    public TimeSpan NodeMonitorGracePeriod { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>
    /// How long a pod stays on an unreachable node before it is evicted, unless it tolerates
    /// <c>node.kubernetes.io/unreachable</c> itself (the DefaultTolerationSeconds admission plugin's 300s). Default 300s.
    /// </summary>
    public TimeSpan UnreachableTolerance { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Name of the cluster, context and user in the written kubeconfig.</summary>
    public string ContextName { get; init; } = "testfarm-lab";
}
