namespace TestFarm.Kubernetes.Deploy;

/// <summary>
/// The lab's deployer: the simulated cluster stands in for a real one. The composition root passes
/// the function that starts it (TestFarm.Lab's SimulatedCluster) and returns its kubeconfig text.
/// </summary>
public sealed class LabClusterDeployer : IClusterDeployer
{
    private readonly Func<DeployRequest, CancellationToken, Task<string>> _startCluster;

    public LabClusterDeployer(Func<DeployRequest, CancellationToken, Task<string>> startCluster) => _startCluster = startCluster;

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
        return new DeployedCluster(Name, kubeconfig, log, request.KubernetesVersion);
    }
}
