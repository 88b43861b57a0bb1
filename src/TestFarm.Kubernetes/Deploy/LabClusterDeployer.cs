namespace TestFarm.Kubernetes.Deploy;

/// <summary>
/// The lab's deployer: the simulated cluster stands in for a real one. The composition root passes
/// the function that starts it (TestFarm.Lab's SimulatedCluster) and returns its kubeconfig text.
/// </summary>
public sealed class LabClusterDeployer : IClusterDeployer
{
    private readonly Func<DeployRequest, CancellationToken, Task<string>> _startCluster;
    private readonly Func<string, Task>? _stopCluster;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);

    /// <param name="startCluster">Starts the request's cluster and returns its kubeconfig text.</param>
    /// <param name="stopCluster">Stops the cluster of a <see cref="DeployRequest.ClusterName"/> (null: clusters live until the lab stops).</param>
    public LabClusterDeployer(Func<DeployRequest, CancellationToken, Task<string>> startCluster, Func<string, Task>? stopCluster = null) =>
        (_startCluster, _stopCluster) = (startCluster, stopCluster);

    public string Name => "lab";

    public async Task<DeployedCluster> DeployAsync(DeployRequest request, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(request.ArtifactDirectory);
        var log = Path.Combine(request.ArtifactDirectory, "lab-deploy.log");
        var kubeconfigText = await _startCluster(request, cancellationToken);
        var kubeconfig = Path.Combine(request.ArtifactDirectory, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, kubeconfigText, cancellationToken);
        await File.WriteAllTextAsync(log,
            $"simulated cluster (TestFarm lab, not a real Kubernetes) for cell {request.CellId}: " +
            $"{request.Machines.Count} nodes ({string.Join(", ", request.Machines.Select(m => m.Name))}), Kubernetes {request.KubernetesVersion}\n",
            cancellationToken);
        _names[kubeconfig] = request.ClusterName;
        return new DeployedCluster(Name, kubeconfig, log, request.KubernetesVersion);
    }

    /// <summary>Stops the simulated API server of <paramref name="cluster"/>: its kubeconfig then reaches nothing.</summary>
    public async Task TeardownAsync(DeployedCluster cluster, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (_stopCluster is not null && _names.TryRemove(cluster.KubeconfigPath, out var name)) await _stopCluster(name);
    }
}
