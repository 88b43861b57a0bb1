using System.Text.Json.Nodes;

namespace TestFarm.Testing.Cluster;

/// <summary>A node to seed: name, role and the facts the kubelet would report.</summary>
public sealed record FakeNode(string Name, string Role, string Arch = "amd64", int Cpus = 32, int MemoryGiB = 256,
    string KubeletVersion = "v1.32.1", IReadOnlyDictionary<string, string>? Labels = null);

/// <summary>
/// Seeds a <see cref="FakeClusterApi"/> with a healthy bare-metal cluster: system pods, CoreDNS, MetalLB (pool
/// 192.168.100.200-192.168.100.250, L2), Rook/Ceph (operator, mons, mgr, OSDs, CSI, HEALTH_OK, a default RBD class).
/// </summary>
public static class HealthyCluster
{
    public const string PoolRange = "192.168.100.200-192.168.100.250";

    public static FakeClusterApi Create(TimeProvider time, IReadOnlyList<FakeNode> nodes, int osdsPerWorker = 2)
    {
        var api = new FakeClusterApi(time);
        foreach (var ns in new[] { "kube-system", "kube-public", "default", "metallb-system", "rook-ceph" })
            api.Seed(Obj("v1", "Namespace", ns, null, status: new JsonObject { ["phase"] = "Active" }));
        foreach (var n in nodes) api.Seed(Node(n));
        var cps = nodes.Where(n => n.Role == "control-plane").ToList();
        var workers = nodes.Where(n => n.Role != "control-plane").ToList();
        if (workers.Count == 0) workers = cps;

        foreach (var cp in cps)
        {
            foreach (var c in new[] { "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd" })
                api.Seed(Pod($"{c}-{cp.Name}", "kube-system", cp.Name, ("component", c), owned: false));
        }
        var i = 0;
        foreach (var n in nodes)
        {
            api.Seed(Pod($"kube-proxy-{i}", "kube-system", n.Name, ("k8s-app", "kube-proxy"), daemonSet: true));
            api.Seed(Pod($"speaker-{i}", "metallb-system", n.Name, ("component", "speaker"), daemonSet: true));
            api.Seed(Pod($"csi-rbdplugin-{i}", "rook-ceph", n.Name, ("app", "csi-rbdplugin"), daemonSet: true));
            api.Seed(Pod($"csi-cephfsplugin-{i}", "rook-ceph", n.Name, ("app", "csi-cephfsplugin"), daemonSet: true));
            i++;
        }
        for (var r = 0; r < 2; r++) api.Seed(Pod($"coredns-{r}", "kube-system", nodes[r % nodes.Count].Name, ("k8s-app", "kube-dns")));
        api.Seed(Deployment("coredns", "kube-system", ("k8s-app", "kube-dns"), 2));
        api.Seed(Deployment("controller", "metallb-system", ("component", "controller"), 1));
        api.Seed(Pod("controller-0", "metallb-system", nodes[0].Name, ("component", "controller")));
        api.Seed(Deployment("rook-ceph-operator", "rook-ceph", ("app", "rook-ceph-operator"), 1));
        api.Seed(Pod("rook-ceph-operator-0", "rook-ceph", workers[0].Name, ("app", "rook-ceph-operator")));
        api.Seed(Pod("rook-ceph-mgr-a-0", "rook-ceph", workers[0].Name, ("app", "rook-ceph-mgr")));
        for (var m = 0; m < Math.Min(3, nodes.Count); m++)
            api.Seed(Pod($"rook-ceph-mon-{(char)('a' + m)}-0", "rook-ceph", nodes[m].Name, ("app", "rook-ceph-mon")));
        var osd = 0;
        foreach (var w in workers)
        {
            for (var d = 0; d < osdsPerWorker; d++, osd++) api.Seed(Pod($"rook-ceph-osd-{osd}-0", "rook-ceph", w.Name, ("app", "rook-ceph-osd")));
        }

        foreach (var crd in new[] { "ipaddresspools.metallb.io", "l2advertisements.metallb.io", "bgppeers.metallb.io", "cephclusters.ceph.rook.io",
                     "cephblockpools.ceph.rook.io", "cephfilesystems.ceph.rook.io", "cephobjectstores.ceph.rook.io" })
            api.Seed(Obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd, null));
        var sc = Obj("storage.k8s.io/v1", "StorageClass", "rook-ceph-block", null);
        sc["metadata"]!["annotations"] = new JsonObject { ["storageclass.kubernetes.io/is-default-class"] = "true" };
        sc["provisioner"] = "rook-ceph.rbd.csi.ceph.com";
        sc["allowVolumeExpansion"] = true;
        api.Seed(sc);
        api.Seed(Obj("ceph.rook.io/v1", "CephCluster", "rook-ceph", "rook-ceph",
            status: new JsonObject { ["phase"] = "Ready", ["ceph"] = new JsonObject { ["health"] = "HEALTH_OK" } }));
        api.Seed(Obj("ceph.rook.io/v1", "CephBlockPool", "replicapool", "rook-ceph", status: new JsonObject { ["phase"] = "Ready" }));
        var pool = Obj("metallb.io/v1beta1", "IPAddressPool", "default", "metallb-system");
        pool["spec"] = new JsonObject { ["addresses"] = new JsonArray(PoolRange) };
        api.Seed(pool);
        api.Seed(Obj("metallb.io/v1beta1", "L2Advertisement", "default", "metallb-system"));
        var dns = Obj("v1", "Service", "kube-dns", "kube-system");
        dns["spec"] = new JsonObject { ["clusterIP"] = "10.96.0.10" };
        api.Seed(dns);
        var k = Obj("v1", "Service", "kubernetes", "default");
        k["spec"] = new JsonObject { ["clusterIP"] = "10.96.0.1" };
        api.Seed(k);
        return api;
    }

    private static JsonObject Obj(string apiVersion, string kind, string name, string? ns, JsonObject? labels = null, JsonObject? status = null)
    {
        var meta = new JsonObject { ["name"] = name };
        if (ns is not null) meta["namespace"] = ns;
        if (labels is not null) meta["labels"] = labels;
        var o = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["metadata"] = meta };
        if (status is not null) o["status"] = status;
        return o;
    }

    private static JsonObject Node(FakeNode n)
    {
        var labels = new JsonObject { ["kubernetes.io/hostname"] = n.Name, ["kubernetes.io/arch"] = n.Arch, ["kubernetes.io/os"] = "linux" };
        if (n.Role == "control-plane") labels["node-role.kubernetes.io/control-plane"] = "";
        foreach (var (key, value) in n.Labels ?? new Dictionary<string, string>()) labels[key] = value;
        var node = Obj("v1", "Node", n.Name, null, labels, new JsonObject
        {
            ["capacity"] = new JsonObject { ["cpu"] = n.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture), ["memory"] = $"{n.MemoryGiB * 1024L * 1024}Ki" },
            ["nodeInfo"] = new JsonObject { ["architecture"] = n.Arch, ["operatingSystem"] = "linux", ["kubeletVersion"] = n.KubeletVersion },
            ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = "10.0.0.1" }),
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "Ready", ["status"] = "True" },
                new JsonObject { ["type"] = "MemoryPressure", ["status"] = "False" },
                new JsonObject { ["type"] = "DiskPressure", ["status"] = "False" },
                new JsonObject { ["type"] = "PIDPressure", ["status"] = "False" }),
        });
        node["spec"] = new JsonObject { ["podCIDR"] = "10.244.0.0/24" };
        return node;
    }

    private static JsonObject Pod(string name, string ns, string node, (string Key, string Value) label, bool owned = true, bool daemonSet = false)
    {
        var pod = Obj("v1", "Pod", name, ns, new JsonObject { [label.Key] = label.Value },
            new JsonObject { ["phase"] = "Running", ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }) });
        pod["spec"] = new JsonObject { ["nodeName"] = node };
        if (owned)
            pod["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject { ["kind"] = daemonSet ? "DaemonSet" : "ReplicaSet", ["name"] = name });
        return pod;
    }

    private static JsonObject Deployment(string name, string ns, (string Key, string Value) label, int replicas)
    {
        var d = Obj("apps/v1", "Deployment", name, ns, new JsonObject { [label.Key] = label.Value },
            new JsonObject { ["replicas"] = replicas, ["availableReplicas"] = replicas, ["readyReplicas"] = replicas });
        d["spec"] = new JsonObject { ["replicas"] = replicas };
        return d;
    }
}
