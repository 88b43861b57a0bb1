using TestFarm.Lab.Cluster;
using TestFarm.Scenarios.Chaos;

namespace TestFarm.Lab.Backend;

/// <summary>
/// The node agent of the lab's simulated clusters: <c>kill-kubelet</c> stops a node's simulated kubelet (the node goes
/// Unknown after the grace period and its pods are evicted, see <see cref="NodeController"/> and
/// <see cref="PodEvictionController"/>), <c>kill-containers</c> restarts the containers of its Running pods.
/// <paramref name="clusterOf"/> finds the cluster a node belongs to (lab node names are machine ids, unique in the lab).
/// </summary>
public sealed class LabNodeAgent(Func<string, SimulatedCluster?> clusterOf) : INodeAgent
{
    public Task KillKubeletAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        if (!Cluster(nodeName).StopKubelet(nodeName)) throw NoNode(nodeName);
        return Task.CompletedTask;
    }

    public Task StartKubeletAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        if (!Cluster(nodeName).StartKubelet(nodeName)) throw NoNode(nodeName);
        return Task.CompletedTask;
    }

    public Task<int> KillContainersAsync(string nodeName, string? ns, CancellationToken cancellationToken = default) =>
        Task.FromResult(Cluster(nodeName).RestartContainers(nodeName, ns));

    private SimulatedCluster Cluster(string nodeName) => clusterOf(nodeName) ?? throw NoNode(nodeName);

    private static InvalidOperationException NoNode(string nodeName) =>
        new($"no simulated cluster of the lab has a node '{nodeName}'");
}
