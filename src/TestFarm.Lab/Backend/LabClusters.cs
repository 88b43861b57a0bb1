using Microsoft.Extensions.Logging;
using TestFarm.Core.Hardware;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Lab.Cluster;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;

namespace TestFarm.Lab.Backend;

/// <summary>
/// The lab deployer's clusters: one simulated Kubernetes API per cell whose nodes are the cell's lab machines,
/// Ready while their machine runs, with the OSD drives the machine still shows.
/// </summary>
internal sealed class LabClusters(VirtualLab lab, TimeProvider time, ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly List<SimulatedCluster> _clusters = [];
    private readonly Dictionary<string, SimulatedCluster> _byName = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Starts the cell's cluster and returns its kubeconfig (text).</summary>
    public async Task<string> StartAsync(DeployRequest request, CancellationToken cancellationToken)
    {
        var machines = request.Machines.Select(m => (Bmc: lab[m.Name], m.Roles)).ToList();
        var nodes = new DelegateNodeSource(() => [.. machines.Select(m => SimulatedNode.FromProfile(
            m.Bmc.Id, m.Bmc.Profile, [.. m.Roles.Select(Role)], poweredOn: m.Bmc.Backend.Phase == MachinePhase.Running) with
        {
            OsdDevices = [.. m.Bmc.VisibleDrives.Where(d => d.Role == StorageRole.RookOsd).Select(d => d.LinuxDevice)],
        })]);
        var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions
        {
            KubernetesVersion = request.KubernetesVersion,
            PodReadyDelay = TimeSpan.FromSeconds(1),
            // Pods leave an unreachable node after 30 s (a real cluster's default is 300 s): a kill-kubelet step of a
            // couple of minutes shows them rescheduled.
            UnreachableTolerance = TimeSpan.FromSeconds(30),
            ContextName = request.ClusterName,
        }, nodes, time, loggers, cancellationToken);
        lock (_gate)
        {
            _clusters.Add(cluster);
            _byName[request.ClusterName] = cluster;
        }
        return cluster.Kubeconfig; // the deployer keeps it as the cell's kubeconfig artifact
    }

    /// <summary>Stops the cluster started as <paramref name="clusterName"/> (a hands-on reservation's, at its release); unknown names are ignored.</summary>
    public async Task StopAsync(string clusterName)
    {
        SimulatedCluster? cluster;
        lock (_gate)
        {
            if (!_byName.Remove(clusterName, out cluster)) return;
            _clusters.Remove(cluster);
        }
        await cluster.DisposeAsync();
    }

    /// <summary>The cluster (started and not yet disposed) that has <paramref name="node"/>, or null.</summary>
    public SimulatedCluster? FindByNode(string node)
    {
        lock (_gate) { return _clusters.LastOrDefault(c => c.HasNode(node)); }
    }

    private static string Role(NodeRole role) => role switch
    {
        NodeRole.ControlPlane => "control-plane",
        NodeRole.Etcd => "etcd",
        _ => "worker",
    };

    public async ValueTask DisposeAsync()
    {
        List<SimulatedCluster> all;
        lock (_gate) { all = [.. _clusters]; }
        foreach (var cluster in all) await cluster.DisposeAsync();
    }
}
