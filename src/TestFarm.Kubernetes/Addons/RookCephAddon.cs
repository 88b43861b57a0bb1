using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;
using TestFarm.Kubernetes.Addons.Catalogue;
using TestFarm.Kubernetes.Manifests;
using TestFarm.Kubernetes.Readiness;

namespace TestFarm.Kubernetes.Addons;

/// <summary>
/// Rook/Ceph: upstream crds, common and operator manifests, then a CephCluster whose OSDs are the
/// nodes' rook-osd drives, and — as a user does from Rook's csi/rbd example — a replicated CephBlockPool with
/// the cluster's default StorageClass on the RBD CSI driver. Ready when the operator rolled out, every pod in
/// rook-ceph is Ready, the CephCluster reports HEALTH_OK and the block pool is Ready.
/// </summary>
public sealed class RookCephAddon : IClusterAddon
{
    public const string Namespace = "rook-ceph";
    public const string ClusterName = "rook-ceph";
    public const string BlockPoolName = "replicapool";
    public const string StorageClassName = "rook-ceph-block";
    public const string RbdProvisioner = Namespace + ".rbd.csi.ceph.com";
    public static readonly ResourceKind CephBlockPool = new("ceph.rook.io/v1", "CephBlockPool");
    public static readonly ResourceKind StorageClass = new("storage.k8s.io/v1", "StorageClass");
    public static readonly ResourceKind CephCluster = new("ceph.rook.io/v1", "CephCluster");
    private static readonly string[] OperatorFiles = ["crds.yaml", "common.yaml", "operator.yaml"];
    private readonly AddonOptions _options;

    public RookCephAddon(AddonOptions options) => _options = options;

    public string Name => "rook-ceph";

    public async Task<AddonReport> InstallAsync(AddonContext context, CancellationToken cancellationToken = default)
    {
        var files = AddonManifests.Files(_options.Sources, AddonCatalogue.Find(AddonCatalogue.RookCeph, _options.RookVersion), OperatorFiles);
        var applier = new ManifestApplier(context.Api, context.Discovery, context.Time);
        var details = new List<string>();
        foreach (var file in files)
        {
            var applied = await applier.ApplyFilesAsync([file], cancellationToken);
            details.Add($"applied {applied.Count} objects from {Path.GetFileName(file)} ({_options.RookVersion})");
        }
        var waiter = new ClusterWaiter(context.Api, context.Time, _options.PollInterval);
        details.Add((await waiter.WaitRolloutAsync(new ResourceRef(ResourceKind.Deployment, "rook-ceph-operator", Namespace), _options.ReadyTimeout, cancellationToken)).Summary);

        var osds = context.Nodes.Where(n => n.OsdDevices.Count > 0).ToList();
        if (osds.Count == 0) throw new InvalidOperationException("no node has rook-osd drives: a CephCluster would have no OSDs");
        await context.Api.ApplyAsync(ClusterObject(context.Nodes, _options.CephImage), cancellationToken);
        details.Add($"CephCluster {ClusterName}: {osds.Sum(n => n.OsdDevices.Count)} OSDs on {osds.Count} nodes");

        // The operator creates the mons, mgr, OSDs and CSI pods after the CephCluster: wait for health, then for its pods.
        details.Add((await waiter.UntilAsync(() => HealthAsync(context.Api, cancellationToken), _options.ReadyTimeout, cancellationToken)).Summary);
        details.Add((await waiter.WaitPodsReadyAsync(Namespace, _options.ReadyTimeout, cancellationToken)).Summary);

        await context.Api.ApplyAsync(BlockPoolObject(osds.Count), cancellationToken);
        await context.Api.ApplyAsync(StorageClassObject(), cancellationToken);
        details.Add((await waiter.UntilAsync(async () =>
        {
            var pool = await context.Api.GetAsync(new ResourceRef(CephBlockPool, BlockPoolName, Namespace), cancellationToken);
            var phase = pool?["status"]?["phase"]?.GetValue<string>() ?? "pending";
            return new ReadinessState(phase == "Ready", $"CephBlockPool {BlockPoolName} {phase}; default StorageClass {StorageClassName} ({RbdProvisioner})");
        }, _options.ReadyTimeout, cancellationToken)).Summary);
        return new AddonReport(Name, _options.RookVersion, true, details);
    }

    /// <summary>The CephCluster's health as Rook reports it (HEALTH_OK is ready).</summary>
    public static async Task<ReadinessState> HealthAsync(IClusterApi api, CancellationToken ct)
    {
        var cluster = await api.GetAsync(new ResourceRef(CephCluster, ClusterName, Namespace), ct);
        var health = cluster?["status"]?["ceph"]?["health"]?.GetValue<string>() ?? "unknown";
        return new ReadinessState(health == "HEALTH_OK", $"CephCluster {ClusterName} health {health}");
    }

    /// <summary>A replicated pool: size 3 across hosts, fewer replicas (and OSD failure domain) on smaller clusters.</summary>
    public static JsonObject BlockPoolObject(int osdHosts) => new()
    {
        ["apiVersion"] = CephBlockPool.ApiVersion,
        ["kind"] = CephBlockPool.Kind,
        ["metadata"] = new JsonObject { ["name"] = BlockPoolName, ["namespace"] = Namespace },
        ["spec"] = new JsonObject
        {
            ["failureDomain"] = osdHosts >= 3 ? "host" : "osd",
            ["replicated"] = new JsonObject { ["size"] = Math.Min(3, Math.Max(1, osdHosts)), ["requireSafeReplicaSize"] = osdHosts >= 3 },
        },
    };

    /// <summary>The cluster's default StorageClass on Ceph RBD, with the CSI secrets the operator creates.</summary>
    public static JsonObject StorageClassObject() => new()
    {
        ["apiVersion"] = StorageClass.ApiVersion,
        ["kind"] = StorageClass.Kind,
        ["metadata"] = new JsonObject
        {
            ["name"] = StorageClassName,
            ["annotations"] = new JsonObject { ["storageclass.kubernetes.io/is-default-class"] = "true" },
        },
        ["provisioner"] = RbdProvisioner,
        ["parameters"] = new JsonObject
        {
            ["clusterID"] = Namespace,
            ["pool"] = BlockPoolName,
            ["imageFormat"] = "2",
            ["imageFeatures"] = "layering",
            ["csi.storage.k8s.io/provisioner-secret-name"] = "rook-csi-rbd-provisioner",
            ["csi.storage.k8s.io/provisioner-secret-namespace"] = Namespace,
            ["csi.storage.k8s.io/controller-expand-secret-name"] = "rook-csi-rbd-provisioner",
            ["csi.storage.k8s.io/controller-expand-secret-namespace"] = Namespace,
            ["csi.storage.k8s.io/node-stage-secret-name"] = "rook-csi-rbd-node",
            ["csi.storage.k8s.io/node-stage-secret-namespace"] = Namespace,
            ["csi.storage.k8s.io/fstype"] = "ext4",
        },
        ["allowVolumeExpansion"] = true,
        ["reclaimPolicy"] = "Delete",
        ["volumeBindingMode"] = "Immediate",
    };

    public static JsonObject ClusterObject(IReadOnlyList<AddonNode> nodes, string image) => new()
    {
        ["apiVersion"] = CephCluster.ApiVersion,
        ["kind"] = CephCluster.Kind,
        ["metadata"] = new JsonObject { ["name"] = ClusterName, ["namespace"] = Namespace },
        ["spec"] = new JsonObject
        {
            ["cephVersion"] = new JsonObject { ["image"] = image },
            ["dataDirHostPath"] = "/var/lib/rook",
            ["mon"] = new JsonObject { ["count"] = Math.Min(3, Math.Max(1, nodes.Count)), ["allowMultiplePerNode"] = nodes.Count < 3 },
            ["mgr"] = new JsonObject { ["count"] = 1 },
            ["storage"] = new JsonObject
            {
                ["useAllNodes"] = false,
                ["useAllDevices"] = false,
                ["nodes"] = new JsonArray(nodes.Where(n => n.OsdDevices.Count > 0).Select(n => (JsonNode)new JsonObject
                {
                    ["name"] = n.Name,
                    ["devices"] = new JsonArray(n.OsdDevices.Select(d => (JsonNode)new JsonObject { ["name"] = d }).ToArray()),
                }).ToArray()),
            },
        },
    };
}
