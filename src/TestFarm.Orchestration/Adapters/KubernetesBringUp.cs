using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Kubernetes.Addons;
using TestFarm.Kubernetes.Addons.Catalogue;
using TestFarm.Kubernetes.Client;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Kubernetes.Readiness;
using TestFarm.Orchestration.Pipeline;

namespace TestFarm.Orchestration.Adapters;

/// <summary>Settings of cluster bring-up that do not come from the plan.</summary>
public sealed record BringUpOptions
{
    /// <summary>The configuration section the farm pipeline binds.</summary>
    public const string Section = "BringUp";

    /// <summary>Where the add-ons' upstream manifests are read from: the add-on cache or an explicitly configured folder.</summary>
    public AddonSources Addons { get; set; } = new();
    /// <summary>LoadBalancer addresses MetalLB may hand out in the cell's L2 domain.</summary>
    public IReadOnlyList<string> AddressRanges { get; set; } = ["192.168.10.240-192.168.10.250"];
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan NodesReadyTimeout { get; set; } = TimeSpan.FromMinutes(10);
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AddOnReadyTimeout { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Who the SSH-based deployers log in as on the machines, and with which key (ssh's own keys when null).</summary>
    public string SshUser { get; set; } = "root";
    public string? SshKeyFile { get; set; }
}

/// <summary>
/// Deploys a cell's cluster with the deployer its plan names, waits for every node to be Ready, then
/// installs the plan's add-ons (MetalLB, Rook/Ceph) and waits until each reports ready.
/// </summary>
public sealed class KubernetesBringUp(IEnumerable<IClusterDeployer> deployers, BringUpOptions options, TimeProvider time, KubernetesClientOptions? clientOptions = null) : IClusterBringUp
{
    public async Task<ClusterHandle> DeployAsync(MatrixCell cell, Plan plan, CellLease lease, string artifactsDirectory, CancellationToken cancellationToken)
    {
        var deployer = deployers.FirstOrDefault(d => d.Name == plan.Cluster.Deployer)
            ?? throw new DeployException($"plan {plan.Name}: no deployer '{plan.Cluster.Deployer}' here (have: {string.Join(", ", deployers.Select(d => d.Name))})");
        // The cell's folder in its run: two runs of one plan at once (two triggers, two instances) never share it.
        var directory = artifactsDirectory;
        Directory.CreateDirectory(directory);
        var deployed = await deployer.DeployAsync(new DeployRequest
        {
            CellId = cell.Id,
            KubernetesVersion = plan.Cluster.KubernetesVersion,
            ArtifactDirectory = directory,
            SshUser = options.SshUser,
            SshKeyFile = options.SshKeyFile,
            Machines = [.. lease.Machines.Select(m => new ClusterMachine(
                m.Machine.Id, m.Machine.Labels.GetValueOrDefault("address", m.Machine.Id), Roles(m.Role)))],
        }, cancellationToken);

        var client = KubernetesClient.FromKubeconfigFile(deployed.KubeconfigPath, options: clientOptions, time: time);
        try
        {
            var nodes = await new ClusterWaiter(client, time).WaitNodesReadyAsync(lease.Machines.Count, options.NodesReadyTimeout, cancellationToken);
            if (!nodes.Ready) throw new DeployException($"nodes not Ready after {options.NodesReadyTimeout}: {nodes.Summary}");
        }
        catch
        {
            // Nobody gets a handle to this cluster: what the deployer started off the machines stops here.
            await deployer.TeardownAsync(deployed, CancellationToken.None);
            throw;
        }
        return new ClusterHandle(client, new Dictionary<string, string>
        {
            ["kubernetes"] = deployed.KubernetesVersion,
            ["deployer"] = deployed.Deployer,
        }, deployed.KubeconfigPath) { Teardown = ct => deployer.TeardownAsync(deployed, ct) };
    }

    public async Task<IReadOnlyDictionary<string, string>> WaitAddOnsReadyAsync(ClusterHandle cluster, Plan plan, CellLease lease, CancellationToken cancellationToken)
    {
        if (plan.Cluster.AddOns.Count == 0) return new Dictionary<string, string>();
        var client = cluster.Api as KubernetesClient
            ?? throw new InvalidOperationException("add-ons need the farm's Kubernetes client");
        var addons = new ClusterAddons(new AddonOptions
        {
            Sources = options.Addons,
            MetalLbVersion = Version(plan, "metallb") ?? new AddonOptions().MetalLbVersion,
            RookVersion = Version(plan, "rook-ceph") ?? new AddonOptions().RookVersion,
            AddressRanges = options.AddressRanges,
            ReadyTimeout = options.AddOnReadyTimeout,
        });
        var reports = await addons.InstallAllAsync(new AddonContext(client, client.Discovery,
            [.. lease.Machines.Select(m => new AddonNode(m.Machine.Id, DeviceNames.RookOsd(m.Profile)))], time), cancellationToken);
        var notReady = reports.Where(r => !r.Ready).ToList();
        if (notReady.Count > 0)
            throw new DeployException("add-ons not ready: " + string.Join("; ", notReady.Select(r => $"{r.Name} {r.Version}: {string.Join(", ", r.Details)}")));
        return reports.ToDictionary(r => r.Name, r => r.Version, StringComparer.Ordinal);
    }

    private static string? Version(Plan plan, string name) =>
        plan.Cluster.AddOns.FirstOrDefault(a => a.Name == name)?.Version is { } v ? AddonCatalogue.NormalizeVersion(v) : null;

    private static NodeRole[] Roles(string role) => role switch
    {
        "control-plane" => [NodeRole.ControlPlane, NodeRole.Etcd],
        "etcd" => [NodeRole.Etcd],
        _ => [NodeRole.Worker],
    };
}
