using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>
/// Stands in for the Rook operator once its Deployment is available: for every CephCluster it creates the mon,
/// mgr and OSD Deployments (one OSD per drive the spec names, pinned to its node) and the Ceph CSI driver
/// (RBD and CephFS plugin DaemonSets and provisioner Deployments), then reports the cluster's status from its
/// daemons: Progressing until the mons first have quorum (HEALTH_ERR whenever they lose it later); HEALTH_OK while every OSD is up (drive on a Ready node, pod
/// Ready) and a mgr runs, HEALTH_WARN when some OSDs are down or no mgr runs, HEALTH_ERR when all OSDs are down.
/// CephBlockPools of a Ready cluster turn Ready.
/// </summary>
public sealed class RookOperator
{
    public const string OsdDevicesAnnotation = "testfarm.io/osd-devices";
    private const string OsdDeviceAnnotation = "testfarm.io/osd-device";
    private readonly ResourceCatalog _catalog;
    private readonly ObjectStore _store;

    public RookOperator(ResourceCatalog catalog, ObjectStore store)
    {
        _catalog = catalog;
        _store = store;
    }

    private ResourceType Deployments => _catalog.Find("apps", "v1", "deployments")!;
    private ResourceType DaemonSets => _catalog.Find("apps", "v1", "daemonsets")!;

    public void Reconcile()
    {
        var cephType = _catalog.All.FirstOrDefault(t => t.Group == "ceph.rook.io" && t.Kind == "CephCluster");
        if (cephType is null || !OperatorAvailable()) return;
        var nodes = _store.List(_catalog.Find("", "v1", "nodes")!, null);
        foreach (var cluster in _store.List(cephType, null))
        {
            var wanted = WantedOsds(cluster, nodes);
            CreateDaemons(cluster, nodes, wanted);
            ReportHealth(cephType, cluster, nodes, wanted);
        }
        ReadyBlockPools(cephType);
    }

    /// <summary>The upstream operator manifest labels its pods (not the Deployment) app=rook-ceph-operator.</summary>
    private bool OperatorAvailable() =>
        _store.List(Deployments, null).Any(d => d["metadata"]!["name"]!.GetValue<string>() == "rook-ceph-operator"
                                               && Admission.Int(d["status"]?["availableReplicas"], 0) > 0);

    private void CreateDaemons(JsonObject cluster, IReadOnlyList<JsonObject> nodes, List<(string Node, string Device)> wanted)
    {
        var ns = cluster["metadata"]!["namespace"]!.GetValue<string>();
        var hosts = nodes.Where(NodeController.IsReady).Select(Name).Order(StringComparer.Ordinal).ToList();
        if (hosts.Count == 0) hosts = [.. nodes.Select(Name).Order(StringComparer.Ordinal)];
        if (hosts.Count == 0) return;
        var monCount = Admission.Int(cluster["spec"]?["mon"]?["count"], 3);
        for (var i = 0; i < monCount; i++)
        {
            var id = ((char)('a' + i)).ToString();
            Ensure(Deployments, Daemon(cluster, $"rook-ceph-mon-{id}", "rook-ceph-mon", id, hosts[i % hosts.Count], ("mon", id)));
        }
        var mgrCount = Admission.Int(cluster["spec"]?["mgr"]?["count"], 2);
        for (var i = 0; i < mgrCount; i++)
        {
            var id = ((char)('a' + i)).ToString();
            Ensure(Deployments, Daemon(cluster, $"rook-ceph-mgr-{id}", "rook-ceph-mgr", id, hosts[i % hosts.Count], ("mgr", id)));
        }
        var osds = _store.List(Deployments, ns).Where(d => Labels(d).GetValueOrDefault("app") == "rook-ceph-osd").ToList();
        var known = osds.Select(d => d["metadata"]?["annotations"]?[OsdDeviceAnnotation]?.GetValue<string>()).OfType<string>().ToHashSet();
        var nextId = osds.Count == 0 ? 0 : osds.Max(d => int.Parse(Labels(d)["ceph-osd-id"], System.Globalization.CultureInfo.InvariantCulture)) + 1;
        foreach (var (node, device) in wanted.Where(w => !known.Contains($"{w.Node}:{w.Device}")))
        {
            var id = (nextId++).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var osd = Daemon(cluster, $"rook-ceph-osd-{id}", "rook-ceph-osd", id, node, ("osd", id), ("ceph-osd-id", id), ("topology-location-host", node));
            osd["metadata"]!["annotations"] = new JsonObject { [OsdDeviceAnnotation] = $"{node}:{device}", [NodeController.SimulatedAnnotation] = "true" };
            Ensure(Deployments, osd);
        }
        foreach (var driver in new[] { "rbd", "cephfs" })
        {
            Ensure(DaemonSets, Csi(cluster, $"csi-{driver}plugin", null));
            Ensure(Deployments, Csi(cluster, $"csi-{driver}plugin-provisioner", Math.Min(2, hosts.Count)));
        }
    }

    private void Ensure(ResourceType type, JsonObject obj)
    {
        var meta = obj["metadata"]!;
        if (_store.Get(type, meta["namespace"]!.GetValue<string>(), meta["name"]!.GetValue<string>()) is null) _store.Put(type, obj);
    }

    private static JsonObject Daemon(JsonObject cluster, string name, string app, string id, string node, params (string Key, string Value)[] extra)
    {
        var labels = new JsonObject
        {
            ["app"] = app, ["ceph_daemon_type"] = app["rook-ceph-".Length..], ["ceph_daemon_id"] = id,
            ["rook_cluster"] = cluster["metadata"]!["namespace"]!.DeepClone(), ["app.kubernetes.io/managed-by"] = "rook-ceph-operator",
            ["app.kubernetes.io/part-of"] = cluster["metadata"]!["name"]!.DeepClone(),
        };
        foreach (var (k, v) in extra) labels[k] = v;
        var image = cluster["spec"]?["cephVersion"]?["image"]?.GetValue<string>() ?? "quay.io/ceph/ceph:v19.2.3";
        return Owned(cluster, "Deployment", name, labels, 1, new JsonObject
        {
            ["nodeSelector"] = new JsonObject { ["kubernetes.io/hostname"] = node },
            ["containers"] = new JsonArray(new JsonObject { ["name"] = app["rook-ceph-".Length..], ["image"] = image }),
        });
    }

    private static JsonObject Csi(JsonObject cluster, string name, int? replicas) =>
        Owned(cluster, replicas is null ? "DaemonSet" : "Deployment", name, new JsonObject { ["app"] = name, ["contains"] = $"{name}-metrics" }, replicas, new JsonObject
        {
            ["containers"] = new JsonArray(
                new JsonObject { ["name"] = replicas is null ? "driver-registrar" : "csi-provisioner", ["image"] = replicas is null ? "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0" : "registry.k8s.io/sig-storage/csi-provisioner:v5.2.0" },
                new JsonObject { ["name"] = name.Contains("rbd", StringComparison.Ordinal) ? "csi-rbdplugin" : "csi-cephfsplugin", ["image"] = "quay.io/cephcsi/cephcsi:v3.14.2" }),
        });

    private static JsonObject Owned(JsonObject cluster, string kind, string name, JsonObject labels, int? replicas, JsonObject podSpec)
    {
        var spec = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = labels["app"]!.DeepClone() } },
            ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() }, ["spec"] = podSpec },
        };
        if (replicas is not null) spec["replicas"] = replicas;
        var meta = cluster["metadata"]!;
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1", ["kind"] = kind,
            ["metadata"] = new JsonObject
            {
                ["name"] = name, ["namespace"] = meta["namespace"]!.DeepClone(), ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "ceph.rook.io/v1", ["kind"] = "CephCluster", ["name"] = meta["name"]!.DeepClone(),
                    ["uid"] = meta["uid"]!.DeepClone(), ["controller"] = true, ["blockOwnerDeletion"] = true,
                }),
            },
            ["spec"] = spec,
        };
    }

    /// <summary>
    /// Progressing until a majority of mons is Ready; then Ready, with health from the daemons: an OSD is up while
    /// its drive is on a Ready node and its pod is Ready; no Ready mgr is a warning; no OSD up is an error.
    /// </summary>
    private void ReportHealth(ResourceType cephType, JsonObject cluster, IReadOnlyList<JsonObject> nodes, List<(string Node, string Device)> wanted)
    {
        var ns = cluster["metadata"]!["namespace"]!.GetValue<string>();
        var pods = _store.List(_catalog.Find("", "v1", "pods")!, ns);
        List<JsonObject> Ready(string app) => pods.Where(p => Labels(p).GetValueOrDefault("app") == app && WorkloadController.IsPodReady(p)).ToList();
        var monCount = Admission.Int(cluster["spec"]?["mon"]?["count"], 3);
        var quorum = Ready("rook-ceph-mon").Count > monCount / 2;
        var readyOsds = Ready("rook-ceph-osd").Select(p => Labels(p).GetValueOrDefault("ceph-osd-id")).ToHashSet(StringComparer.Ordinal);
        var osdIds = _store.List(Deployments, ns).Where(d => Labels(d).GetValueOrDefault("app") == "rook-ceph-osd")
            .ToDictionary(d => d["metadata"]?["annotations"]?[OsdDeviceAnnotation]?.GetValue<string>() ?? "", d => Labels(d)["ceph-osd-id"]);
        var missing = wanted.Where(w => !nodes.Any(n => Name(n) == w.Node && NodeController.IsReady(n) && Devices(n).Contains(w.Device))
                                        || !osdIds.TryGetValue($"{w.Node}:{w.Device}", out var id) || !readyOsds.Contains(id)).ToList();
        var mgrUp = Ready("rook-ceph-mgr").Count > 0;
        var health = wanted.Count == 0 || missing.Count == wanted.Count ? "HEALTH_ERR" : missing.Count > 0 || !mgrUp ? "HEALTH_WARN" : "HEALTH_OK";
        var details = new JsonObject();
        if (missing.Count > 0)
        {
            details["OSD_DOWN"] = new JsonObject
            {
                ["severity"] = "HEALTH_WARN",
                ["message"] = $"{missing.Count} osds down: " + string.Join(", ", missing.Select(m => $"{m.Node}:{m.Device}")),
            };
        }
        if (!mgrUp) details["MGR_DOWN"] = new JsonObject { ["severity"] = "HEALTH_WARN", ["message"] = "no active mgr" };
        if (wanted.Count == 0) details["OSD_NONE"] = new JsonObject { ["severity"] = "HEALTH_ERR", ["message"] = "no OSD drives found on the nodes" };
        var created = quorum || cluster["status"]?["state"]?.GetValue<string>() == "Created";
        var phase = created ? "Ready" : "Progressing";
        var old = cluster["status"]?["conditions"]?[0];
        var since = old?["type"]?.GetValue<string>() == phase ? old["lastTransitionTime"]!.GetValue<string>() : _store.Now;
        var status = new JsonObject
        {
            ["phase"] = phase,
            ["state"] = created ? "Created" : "Creating",
            ["message"] = quorum ? "Cluster created successfully (simulated)" : created ? "Ceph mons out of quorum (simulated)" : "Configuring Ceph Mons (simulated)",
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = phase, ["status"] = "True", ["reason"] = created ? "ClusterCreated" : "ClusterProgressing",
                ["message"] = created ? "Cluster created successfully" : "Configuring Ceph Mons", ["lastTransitionTime"] = since, ["lastHeartbeatTime"] = since,
            }),
            ["version"] = new JsonObject { ["image"] = cluster["spec"]?["cephVersion"]?["image"]?.DeepClone(), ["version"] = "19.2.3-0" },
        };
        if (quorum)
        {
            status["ceph"] = new JsonObject
            {
                ["health"] = health,
                ["details"] = details,
                ["osdsUp"] = wanted.Count - missing.Count,
                ["osdsTotal"] = wanted.Count,
                ["fsid"] = cluster["metadata"]!["uid"]!.DeepClone(),
            };
        }
        else if (created)
        {
            // Ceph cannot answer without a mon quorum: the operator's report turns to an error, never a stale HEALTH_OK.
            status["ceph"] = new JsonObject
            {
                ["health"] = "HEALTH_ERR",
                ["details"] = new JsonObject
                {
                    ["MON_DOWN"] = new JsonObject
                    {
                        ["severity"] = "HEALTH_ERR",
                        ["message"] = $"{Ready("rook-ceph-mon").Count}/{monCount} mons Ready: no quorum, ceph status unavailable",
                    },
                },
                ["osdsUp"] = 0,
                ["osdsTotal"] = wanted.Count,
                ["fsid"] = cluster["metadata"]!["uid"]!.DeepClone(),
            };
        }
        if (JsonNode.DeepEquals(cluster["status"], status)) return;
        cluster["status"] = status;
        _store.Put(cephType, cluster);
    }

    private void ReadyBlockPools(ResourceType cephType)
    {
        var poolType = _catalog.All.FirstOrDefault(t => t.Group == "ceph.rook.io" && t.Kind == "CephBlockPool");
        if (poolType is null) return;
        foreach (var pool in _store.List(poolType, null))
        {
            var ns = pool["metadata"]!["namespace"]!.GetValue<string>();
            if (!_store.List(cephType, ns).Any(c => c["status"]?["phase"]?.GetValue<string>() == "Ready" && c["status"]?["ceph"]?["health"]?.GetValue<string>() != "HEALTH_ERR")) continue;
            if (pool["status"]?["phase"]?.GetValue<string>() == "Ready") continue;
            pool["status"] = new JsonObject
            {
                ["phase"] = "Ready",
                ["observedGeneration"] = pool["metadata"]!["generation"]!.DeepClone(),
                ["info"] = new JsonObject { ["failureDomain"] = pool["spec"]?["failureDomain"]?.DeepClone() ?? "host", ["type"] = "Replicated" },
            };
            _store.Put(poolType, pool);
        }
    }

    private static List<(string Node, string Device)> WantedOsds(JsonObject cluster, IReadOnlyList<JsonObject> nodes)
    {
        var storage = cluster["spec"]?["storage"];
        var listed = storage?["nodes"]?.AsArray();
        if (listed is { Count: > 0 })
        {
            return listed.SelectMany(n =>
            {
                var name = n?["name"]?.GetValue<string>() ?? "";
                var devices = n?["devices"]?.AsArray().Select(d => d?["name"]?.GetValue<string>() ?? "").ToList();
                var onNode = nodes.FirstOrDefault(x => Name(x) == name);
                return (devices ?? (onNode is null ? [] : Devices(onNode))).Select(d => (name, d));
            }).ToList();
        }
        return storage?["useAllNodes"]?.GetValue<bool>() == true
            ? nodes.SelectMany(n => Devices(n).Select(d => (Name(n), d))).ToList()
            : [];
    }

    private static string Name(JsonObject o) => o["metadata"]!["name"]!.GetValue<string>();

    private static Dictionary<string, string> Labels(JsonObject o) => Selectors.LabelsOf(o);

    private static List<string> Devices(JsonObject node) =>
        (node["metadata"]?["annotations"]?[OsdDevicesAnnotation]?.GetValue<string>() ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
}
