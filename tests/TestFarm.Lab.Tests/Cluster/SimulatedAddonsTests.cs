using System.Text.Json.Nodes;
using TestFarm.Lab.Cluster;
using TestFarm.Testing;

namespace TestFarm.Lab.Tests.Cluster;

/// <summary>The kube-system baseline, the Rook operator stand-in and the Ceph CSI provisioner, on a fake clock.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class SimulatedAddonsTests
{
    private static readonly SimulatedClusterOptions Options = new()
    {
        KubernetesVersion = "1.32.1",
        PodReadyDelay = TimeSpan.FromSeconds(2),
        ReconcileInterval = TimeSpan.FromSeconds(1),
    };

    private readonly FakeTimeProvider _time = new();

    private static JsonObject Obj(string apiVersion, string kind, string name, string? ns, JsonObject? spec = null)
    {
        var meta = new JsonObject { ["name"] = name };
        if (ns is not null) meta["namespace"] = ns;
        var o = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["metadata"] = meta };
        if (spec is not null) o["spec"] = spec;
        return o;
    }

    private static JsonObject Crd(string group, string kind, string plural) => Obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", $"{plural}.{group}", null, new JsonObject
    {
        ["group"] = group, ["scope"] = "Namespaced",
        ["names"] = new JsonObject { ["kind"] = kind, ["plural"] = plural },
        ["versions"] = new JsonArray(new JsonObject { ["name"] = "v1", ["served"] = true, ["storage"] = true }),
    });

    private static ResourceType Type(SimulatedCluster c, string group, string plural) => c.Catalog.All.First(t => t.Group == group && t.Plural == plural);

    private static List<JsonObject> Pods(SimulatedCluster c, string ns, string label, string value) =>
        c.Store.List(Type(c, "", "pods"), ns).Where(p => Selectors.LabelsOf(p).GetValueOrDefault(label) == value).ToList();

    /// <summary>Namespace rook-ceph, the CephCluster CRD and a CephCluster naming two drives on each of the 3 nodes.</summary>
    private static ResourceType SeedCephCluster(SimulatedCluster c)
    {
        c.Store.Put(Type(c, "", "namespaces"), Obj("v1", "Namespace", "rook-ceph", null));
        c.Catalog.Register(Crd("ceph.rook.io", "CephCluster", "cephclusters"));
        var type = Type(c, "ceph.rook.io", "cephclusters");
        c.Store.Put(type, Obj("ceph.rook.io/v1", "CephCluster", "rook-ceph", "rook-ceph", new JsonObject
        {
            ["cephVersion"] = new JsonObject { ["image"] = "quay.io/ceph/ceph:v19.2.3" },
            ["mon"] = new JsonObject { ["count"] = 3 },
            ["mgr"] = new JsonObject { ["count"] = 1 },
            ["storage"] = new JsonObject
            {
                ["nodes"] = new JsonArray([.. new[] { "node-1", "node-2", "node-3" }.Select(n => (JsonNode)new JsonObject
                {
                    ["name"] = n, ["devices"] = new JsonArray(new JsonObject { ["name"] = "nvme1n1" }, new JsonObject { ["name"] = "nvme2n1" }),
                })]),
            },
        }));
        return type;
    }

    private static void StartOperator(SimulatedCluster c)
    {
        var labels = new JsonObject { ["app"] = "rook-ceph-operator" };
        c.Store.Put(Type(c, "apps", "deployments"), Obj("apps/v1", "Deployment", "rook-ceph-operator", "rook-ceph", new JsonObject
        {
            ["replicas"] = 1,
            ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = labels },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "rook-ceph-operator", ["image"] = "docker.io/rook/ceph:v1.17.9" }) },
            },
        }));
    }

    [Test]
    public async Task A_fresh_cluster_has_the_kube_system_baseline_and_mirror_pods_come_back()
    {
        await using var c = await SimulatedCluster.StartAsync(Options, StaticNodeSource.Generic(3), _time);
        _time.Advance(TimeSpan.FromSeconds(4));

        var kubeSystem = c.Store.List(Type(c, "", "pods"), "kube-system");
        Assert.That(kubeSystem.Where(p => Selectors.LabelsOf(p).GetValueOrDefault("tier") == "control-plane").Select(p => p["metadata"]!["name"]!.GetValue<string>()),
            Is.EquivalentTo(new[] { "etcd-node-1", "kube-apiserver-node-1", "kube-controller-manager-node-1", "kube-scheduler-node-1" }));
        Assert.That(Pods(c, "kube-system", "k8s-app", "kube-dns"), Has.Count.EqualTo(2));
        Assert.That(Pods(c, "kube-system", "k8s-app", "kube-proxy").Select(p => p["spec"]!["nodeName"]!.GetValue<string>()), Is.EquivalentTo(new[] { "node-1", "node-2", "node-3" }));
        Assert.That(kubeSystem.All(WorkloadController.IsPodReady), Is.True);
        var apiserver = kubeSystem.Single(p => p["metadata"]!["name"]!.GetValue<string>() == "kube-apiserver-node-1");
        Assert.That(apiserver["spec"]!["containers"]![0]!["image"]!.GetValue<string>(), Is.EqualTo("registry.k8s.io/kube-apiserver:v1.32.1"));
        Assert.That(apiserver["status"]!["podIP"]!.GetValue<string>(), Is.EqualTo(apiserver["status"]!["hostIP"]!.GetValue<string>()), "static pods use the host network");

        var services = Type(c, "", "services");
        Assert.That(c.Store.Get(services, "default", "kubernetes")!["spec"]!["clusterIP"]!.GetValue<string>(), Is.EqualTo("10.96.0.1"));
        var dns = c.Store.Get(services, "kube-system", "kube-dns")!;
        Assert.That(dns["spec"]!["clusterIP"]!.GetValue<string>(), Is.EqualTo("10.96.0.10"));
        Assert.That(dns["spec"]!["ports"]!.AsArray().Select(p => $"{p!["port"]}/{p["protocol"]}"), Is.EqualTo(new[] { "53/UDP", "53/TCP", "9153/TCP" }));

        c.Store.Delete(Type(c, "", "pods"), "kube-system", "etcd-node-1");
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(c.Store.Get(Type(c, "", "pods"), "kube-system", "etcd-node-1"), Is.Not.Null, "the kubelet recreates a deleted mirror pod");
    }

    [Test]
    public async Task Nodes_carry_pod_cidrs_and_node_info_and_keep_a_cordon()
    {
        await using var c = await SimulatedCluster.StartAsync(Options, StaticNodeSource.Generic(2), _time);
        var nodes = Type(c, "", "nodes");
        var node = c.Store.Get(nodes, null, "node-2")!;
        node["spec"]!["unschedulable"] = true;
        c.Store.Put(nodes, node);
        _time.Advance(TimeSpan.FromSeconds(2));

        var all = c.Store.List(nodes, null);
        Assert.That(all.Select(n => n["spec"]!["podCIDR"]!.GetValue<string>()), Is.EqualTo(new[] { "10.244.0.0/24", "10.244.1.0/24" }));
        Assert.That(c.Store.Get(nodes, null, "node-2")!["spec"]!["unschedulable"]!.GetValue<bool>(), Is.True, "a reconcile must not undo a cordon");
        var info = all[0]["status"]!["nodeInfo"]!;
        Assert.That(info["kubeletVersion"]!.GetValue<string>(), Does.StartWith("v1.32.1"));
        Assert.That(info["systemUUID"]!.GetValue<string>(), Does.Match("^[0-9a-f]{8}-[0-9a-f]{4}-"));
        Assert.That(all[0]["status"]!["conditions"]!.AsArray().Select(x => $"{x!["type"]}={x["status"]}"),
            Is.EqualTo(new[] { "MemoryPressure=False", "DiskPressure=False", "PIDPressure=False", "Ready=True" }));
    }

    [Test]
    public async Task Rook_daemons_appear_only_once_the_operator_is_available_and_osd_ids_stay_put_when_a_drive_is_lost()
    {
        var source = StaticNodeSource.Generic(3);
        await using var c = await SimulatedCluster.StartAsync(Options, source, _time);
        var ceph = SeedCephCluster(c);
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.That(c.Store.List(Type(c, "apps", "deployments"), "rook-ceph"), Is.Empty, "no operator, no daemons");
        Assert.That(c.Store.Get(ceph, "rook-ceph", "rook-ceph")!["status"], Is.Null);

        StartOperator(c);
        // Stepped a second at a time, one reconcile per step: with the package's FakeTimeProvider two 4 s advances left the CSI pods not Ready.
        for (var i = 0; i < 8; i++) _time.Advance(TimeSpan.FromSeconds(1));
        var mons = Pods(c, "rook-ceph", "app", "rook-ceph-mon");
        Assert.That(mons.Select(p => p["spec"]!["nodeName"]!.GetValue<string>()), Is.EquivalentTo(new[] { "node-1", "node-2", "node-3" }), "one mon per node");
        Assert.That(Pods(c, "rook-ceph", "app", "rook-ceph-mgr"), Has.Count.EqualTo(1));
        var osds = Pods(c, "rook-ceph", "app", "rook-ceph-osd");
        Assert.That(osds.Select(p => Selectors.LabelsOf(p)["ceph-osd-id"]), Is.EquivalentTo(new[] { "0", "1", "2", "3", "4", "5" }));
        Assert.That(Pods(c, "rook-ceph", "app", "csi-rbdplugin"), Has.Count.EqualTo(3));
        Assert.That(Pods(c, "rook-ceph", "app", "csi-cephfsplugin-provisioner"), Has.Count.EqualTo(2));
        Assert.That(c.Store.List(Type(c, "", "pods"), "rook-ceph").All(WorkloadController.IsPodReady), Is.True);
        var status = c.Store.Get(ceph, "rook-ceph", "rook-ceph")!["status"]!;
        Assert.That((status["phase"]!.GetValue<string>(), status["state"]!.GetValue<string>(), status["ceph"]!["health"]!.GetValue<string>()),
            Is.EqualTo(("Ready", "Created", "HEALTH_OK")));

        var osdOnNode2 = c.Store.List(Type(c, "apps", "deployments"), "rook-ceph")
            .Where(d => Selectors.LabelsOf(d).GetValueOrDefault("app") == "rook-ceph-osd")
            .ToDictionary(d => d["metadata"]!["annotations"]!["testfarm.io/osd-device"]!.GetValue<string>(), d => d["metadata"]!["name"]!.GetValue<string>());
        source.RemoveDevice("node-2", "nvme1n1");
        _time.Advance(TimeSpan.FromSeconds(1));
        var health = c.Store.Get(ceph, "rook-ceph", "rook-ceph")!["status"]!["ceph"]!;
        Assert.That(health["health"]!.GetValue<string>(), Is.EqualTo("HEALTH_WARN"));
        Assert.That(health["details"]!["OSD_DOWN"]!["message"]!.GetValue<string>(), Does.Contain("node-2:nvme1n1"));
        var after = c.Store.List(Type(c, "apps", "deployments"), "rook-ceph")
            .Where(d => Selectors.LabelsOf(d).GetValueOrDefault("app") == "rook-ceph-osd")
            .ToDictionary(d => d["metadata"]!["annotations"]!["testfarm.io/osd-device"]!.GetValue<string>(), d => d["metadata"]!["name"]!.GetValue<string>());
        Assert.That(after, Is.EqualTo(osdOnNode2), "OSD ids belong to their drive");
    }

    [Test]
    public async Task Ceph_health_follows_node_power_warn_for_lost_osds_and_error_without_mon_quorum()
    {
        var source = StaticNodeSource.Generic(3);
        await using var c = await SimulatedCluster.StartAsync(Options, source, _time);
        var ceph = SeedCephCluster(c);
        StartOperator(c);
        for (var i = 0; i < 8; i++) _time.Advance(TimeSpan.FromSeconds(1));
        string Health() => c.Store.Get(ceph, "rook-ceph", "rook-ceph")!["status"]!["ceph"]!["health"]!.GetValue<string>();
        Assert.That(Health(), Is.EqualTo("HEALTH_OK"));

        source.SetPower("node-3", false);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(Health(), Is.EqualTo("HEALTH_WARN"), "two of three mons keep quorum; node-3's OSDs are down");
        var status = c.Store.Get(ceph, "rook-ceph", "rook-ceph")!["status"]!;
        Assert.That(status["ceph"]!["osdsUp"]!.GetValue<int>(), Is.EqualTo(4));

        source.SetPower("node-2", false);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(Health(), Is.EqualTo("HEALTH_ERR"));
        Assert.That(c.Store.Get(ceph, "rook-ceph", "rook-ceph")!["status"]!["ceph"]!["details"]!["MON_DOWN"]!["message"]!.GetValue<string>(),
            Does.StartWith("1/3 mons Ready: no quorum"));

        source.SetPower("node-2", true);
        source.SetPower("node-3", true);
        for (var i = 0; i < 4; i++) _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(Health(), Is.EqualTo("HEALTH_OK"), "recovers once the machines are back");
    }

    [Test]
    public async Task A_claim_on_the_default_ceph_class_gets_a_volume_and_a_released_volume_is_deleted()
    {
        await using var c = await SimulatedCluster.StartAsync(Options, StaticNodeSource.Generic(3), _time);
        SeedCephCluster(c);
        var classes = Type(c, "storage.k8s.io", "storageclasses");
        var rbd = Obj("storage.k8s.io/v1", "StorageClass", "rook-ceph-block", null);
        rbd["metadata"]!["annotations"] = new JsonObject { ["storageclass.kubernetes.io/is-default-class"] = "true" };
        rbd["provisioner"] = "rook-ceph.rbd.csi.ceph.com";
        rbd["reclaimPolicy"] = "Delete";
        rbd["parameters"] = new JsonObject { ["clusterID"] = "rook-ceph", ["pool"] = "replicapool" };
        c.Store.Put(classes, rbd);
        var nfs = Obj("storage.k8s.io/v1", "StorageClass", "nfs", null);
        nfs["provisioner"] = "example.com/nfs";
        c.Store.Put(classes, nfs);
        var claims = Type(c, "", "persistentvolumeclaims");
        var volumes = Type(c, "", "persistentvolumes");
        JsonObject Claim(string name, string? cls)
        {
            var spec = new JsonObject
            {
                ["accessModes"] = new JsonArray("ReadWriteOnce"),
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "5Gi" } },
            };
            if (cls is not null) spec["storageClassName"] = cls;
            return Obj("v1", "PersistentVolumeClaim", name, "default", spec);
        }
        c.Store.Put(claims, Claim("data", null));
        c.Store.Put(claims, Claim("other", "nfs"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(c.Store.Get(claims, "default", "data")!["status"]!["phase"]!.GetValue<string>(), Is.EqualTo("Pending"), "no CSI provisioner runs yet");

        StartOperator(c);
        for (var i = 0; i < 8; i++) _time.Advance(TimeSpan.FromSeconds(1));
        var data = c.Store.Get(claims, "default", "data")!;
        Assert.That(data["status"]!["phase"]!.GetValue<string>(), Is.EqualTo("Bound"));
        Assert.That(data["spec"]!["storageClassName"]!.GetValue<string>(), Is.EqualTo("rook-ceph-block"), "the default class is filled in");
        var volume = c.Store.Get(volumes, null, data["spec"]!["volumeName"]!.GetValue<string>())!;
        Assert.That(volume["spec"]!["csi"]!["driver"]!.GetValue<string>(), Is.EqualTo("rook-ceph.rbd.csi.ceph.com"));
        Assert.That(volume["spec"]!["capacity"]!["storage"]!.GetValue<string>(), Is.EqualTo("5Gi"));
        Assert.That(volume["spec"]!["claimRef"]!["name"]!.GetValue<string>(), Is.EqualTo("data"));
        Assert.That(c.Store.Get(claims, "default", "other")!["status"]!["phase"]!.GetValue<string>(), Is.EqualTo("Pending"), "nobody provisions example.com/nfs");

        c.Store.Delete(claims, "default", "data");
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(c.Store.List(volumes, null), Is.Empty, "reclaimPolicy Delete");
    }
}
