using System.Net;
using TestFarm.Core.Cluster;
using TestFarm.Core.Hardware;
using TestFarm.Scenarios.Engine;
using static TestFarm.Scenarios.Checks.CheckContext;

namespace TestFarm.Scenarios.Checks;

/// <summary>Checks on the system namespaces and the add-ons: DNS, MetalLB, Rook/Ceph, storage classes, CRDs.</summary>
internal static class AddOnChecks
{
    public static readonly ResourceKind Crd = new("apiextensions.k8s.io/v1", "CustomResourceDefinition");
    public static readonly ResourceKind StorageClass = new("storage.k8s.io/v1", "StorageClass");
    public static readonly ResourceKind IpAddressPool = new("metallb.io/v1beta1", "IPAddressPool");
    public static readonly ResourceKind L2Advertisement = new("metallb.io/v1beta1", "L2Advertisement");
    public static readonly ResourceKind BgpAdvertisement = new("metallb.io/v1beta1", "BGPAdvertisement");
    public static readonly ResourceKind CephBlockPool = new("ceph.rook.io/v1", "CephBlockPool");

    private static Task<IReadOnlyList<System.Text.Json.Nodes.JsonObject>> List(CheckContext c, ResourceKind kind, string? ns = null, string? selector = null) =>
        c.Cluster.ListAsync(kind, ns, selector, c.CancellationToken);

    public static IEnumerable<ApiCheck> All()
    {
        foreach (var ns in new[] { "kube-system", "kube-public", "default", "metallb-system", "rook-ceph" })
        {
            yield return new() { Name = $"namespace {ns} exists", Tags = ["smoke", "namespaces", .. AddOnTag(ns)], Run = async c =>
                Require(await c.Cluster.GetAsync(new ResourceRef(ResourceKind.Namespace, ns), c.CancellationToken).ConfigureAwait(false) is not null, $"namespace {ns} missing") };
        }
        foreach (var ns in new[] { "kube-system", "metallb-system", "rook-ceph", "default" })
        {
            yield return new() { Name = $"pods in {ns} are Ready", Tags = ["smoke", "pods", .. AddOnTag(ns)], Run = async c =>
            {
                var bad = (await List(c, ResourceKind.Pod, ns).ConfigureAwait(false)).Where(p => !p.PodReady()).Select(p => p.Name()).ToList();
                Require(bad.Count == 0, $"not Ready in {ns}: {string.Join(", ", bad.Take(10))}");
            } };
        }
        var workloads = new (string Name, string Ns, ResourceKind Kind, string Selector, Func<CheckContext, int> Min, string[] Tags)[]
        {
            ("DNS deployment is available", "kube-system", ResourceKind.Deployment, "k8s-app=kube-dns", _ => 1, ["smoke", "dns"]),
            ("DNS runs at least 2 replicas", "kube-system", ResourceKind.Pod, "k8s-app=kube-dns", c => Math.Min(2, Math.Max(1, c.Cell.Machines.Count)), ["dns"]),
            ("MetalLB controller is available", "metallb-system", ResourceKind.Deployment, "component=controller", _ => 1, ["smoke", "metallb"]),
            ("Rook operator is available", "rook-ceph", ResourceKind.Pod, "app=rook-ceph-operator", _ => 1, ["smoke", "rook"]),
            ("Rook mgr is running", "rook-ceph", ResourceKind.Pod, "app=rook-ceph-mgr", _ => 1, ["rook"]),
            ("Rook mon count is min(3, nodes)", "rook-ceph", ResourceKind.Pod, "app=rook-ceph-mon", c => Math.Min(3, Math.Max(1, c.Cell.Machines.Count)), ["smoke", "rook"]),
            ("Rook OSD count matches the profile's OSD drives", "rook-ceph", ResourceKind.Pod, "app=rook-ceph-osd", OsdCount, ["rook", "hardware"]),
            ("kube-apiserver runs on every control-plane node", "kube-system", ResourceKind.Pod, "component=kube-apiserver", ControlPlanes, ["control-plane"]),
            ("kube-controller-manager runs", "kube-system", ResourceKind.Pod, "component=kube-controller-manager", _ => 1, ["control-plane"]),
            ("kube-scheduler runs", "kube-system", ResourceKind.Pod, "component=kube-scheduler", _ => 1, ["control-plane"]),
            ("etcd runs on every control-plane node", "kube-system", ResourceKind.Pod, "component=etcd", ControlPlanes, ["control-plane"]),
        };
        foreach (var w in workloads)
        {
            yield return new() { Name = w.Name, Tags = w.Tags, Run = async c =>
            {
                var items = await List(c, w.Kind, w.Ns, w.Selector).ConfigureAwait(false);
                var min = w.Min(c);
                var count = w.Kind == ResourceKind.Pod
                    ? items.Count(p => p.PodReady())
                    : items.Sum(d => (int)(d.Long("status", "availableReplicas") ?? 0));
                Require(count >= min, $"{w.Ns} {w.Kind.Kind} {w.Selector}: {count} available/ready, expected at least {min}");
            } };
        }
        foreach (var (name, ns, selector, tags) in new[]
        {
            ("MetalLB speaker on every node", "metallb-system", "component=speaker", new[] { "smoke", "metallb" }),
            ("kube-proxy on every node", "kube-system", "k8s-app=kube-proxy", new[] { "network" }),
            ("Ceph RBD CSI plugin on every node", "rook-ceph", "app=csi-rbdplugin", new[] { "rook", "storage" }),
            ("Ceph FS CSI plugin on every node", "rook-ceph", "app=csi-cephfsplugin", new[] { "rook", "storage" }),
        })
        {
            yield return new() { Name = name, Tags = tags, Run = async c =>
            {
                var nodes = (await List(c, ResourceKind.Node).ConfigureAwait(false)).Where(n => n.Str("spec", "unschedulable") != "true").Select(n => n.Name()).ToList();
                var pods = await List(c, ResourceKind.Pod, ns, selector).ConfigureAwait(false);
                if (pods.Count == 0 && tags.Contains("network") && !tags.Contains("smoke")) throw new CheckSkippedException($"no {selector} pods (the CNI may replace it)");
                var covered = pods.Where(p => p.PodReady()).Select(p => p.Str("spec", "nodeName")).ToHashSet();
                var missing = nodes.Where(n => !covered.Contains(n)).ToList();
                Require(missing.Count == 0, $"no Ready {selector} pod on: {string.Join(", ", missing)}");
            } };
        }
        foreach (var crd in new[] { "ipaddresspools.metallb.io", "l2advertisements.metallb.io", "bgppeers.metallb.io", "cephclusters.ceph.rook.io",
                     "cephblockpools.ceph.rook.io", "cephfilesystems.ceph.rook.io", "cephobjectstores.ceph.rook.io" })
        {
            yield return new() { Name = $"CRD {crd} is installed", Tags = ["crds", crd.Contains("metallb", StringComparison.Ordinal) ? "metallb" : "rook"], Run = async c =>
                Require(await c.Cluster.GetAsync(new ResourceRef(Crd, crd), c.CancellationToken).ConfigureAwait(false) is not null, $"CRD {crd} missing") };
        }
        yield return new() { Name = "storage classes exist", Tags = ["smoke", "storage"], Run = async c =>
            Require((await List(c, StorageClass).ConfigureAwait(false)).Count > 0, "no StorageClass") };
        yield return new() { Name = "exactly one default storage class", Tags = ["storage"], Run = async c =>
        {
            var defaults = (await List(c, StorageClass).ConfigureAwait(false))
                .Where(s => s.Str("metadata", "annotations", "storageclass.kubernetes.io/is-default-class") == "true").Select(s => s.Name()).ToList();
            Require(defaults.Count == 1, $"{defaults.Count} default storage classes: {string.Join(", ", defaults)}");
        } };
        yield return new() { Name = "a Ceph RBD storage class exists", Tags = ["smoke", "storage", "rook"], Run = async c =>
            Require((await List(c, StorageClass).ConfigureAwait(false)).Any(s => s.Str("provisioner")?.EndsWith("rbd.csi.ceph.com", StringComparison.Ordinal) == true),
                "no StorageClass with provisioner *.rbd.csi.ceph.com") };
        yield return new() { Name = "Ceph storage class allows volume expansion", Tags = ["storage", "rook"], Run = async c =>
        {
            var ceph = (await List(c, StorageClass).ConfigureAwait(false)).Where(s => s.Str("provisioner")?.Contains("csi.ceph.com", StringComparison.Ordinal) == true).ToList();
            if (ceph.Count == 0) throw new CheckSkippedException("no Ceph storage class");
            Require(ceph.All(s => s.Str("allowVolumeExpansion") == "true"), "allowVolumeExpansion is not true");
        } };
        yield return new() { Name = "DNS service has a ClusterIP", Tags = ["smoke", "dns"], Run = async c =>
        {
            var svc = await c.Cluster.GetAsync(new ResourceRef(ResourceKind.Service, "kube-dns", "kube-system"), c.CancellationToken).ConfigureAwait(false);
            Require(svc is not null && IPAddress.TryParse(svc.Str("spec", "clusterIP"), out _), "kube-system/kube-dns missing or without a ClusterIP");
        } };
        yield return new() { Name = "kubernetes API service exists in default", Tags = ["smoke"], Run = async c =>
            Require(await c.Cluster.GetAsync(new ResourceRef(ResourceKind.Service, "kubernetes", "default"), c.CancellationToken).ConfigureAwait(false) is not null,
                "default/kubernetes service missing") };
        yield return new() { Name = "MetalLB has an IPAddressPool with addresses", Tags = ["smoke", "metallb"], Run = async c =>
            Require((await List(c, IpAddressPool, "metallb-system").ConfigureAwait(false)).Any(p => p.Items("spec", "addresses").Any()), "no IPAddressPool with spec.addresses") };
        yield return new() { Name = "MetalLB advertises its pools (L2 or BGP)", Tags = ["metallb"], Run = async c =>
        {
            var l2 = await List(c, L2Advertisement, "metallb-system").ConfigureAwait(false);
            var bgp = l2.Count > 0 ? [] : await List(c, BgpAdvertisement, "metallb-system").ConfigureAwait(false);
            Require(l2.Count + bgp.Count > 0, "no L2Advertisement or BGPAdvertisement");
        } };
        yield return new() { Name = "CephCluster exists", Tags = ["smoke", "rook"], Run = async c =>
            Require((await List(c, Probes.CephHealthProbe.CephCluster, "rook-ceph").ConfigureAwait(false)).Count > 0, "no CephCluster in rook-ceph") };
        yield return new() { Name = "CephCluster health is HEALTH_OK", Tags = ["smoke", "rook"], Run = async c =>
        {
            var clusters = await List(c, Probes.CephHealthProbe.CephCluster, "rook-ceph").ConfigureAwait(false);
            Require(clusters.Count > 0, "no CephCluster");
            Require(clusters.All(k => k.Str("status", "ceph", "health") == "HEALTH_OK"), $"health: {string.Join(", ", clusters.Select(k => k.Str("status", "ceph", "health")))}");
        } };
        yield return new() { Name = "CephCluster phase is Ready", Tags = ["rook"], Run = async c =>
        {
            var clusters = await List(c, Probes.CephHealthProbe.CephCluster, "rook-ceph").ConfigureAwait(false);
            Require(clusters.Count > 0 && clusters.All(k => k.Str("status", "phase") == "Ready"), $"phase: {string.Join(", ", clusters.Select(k => k.Str("status", "phase")))}");
        } };
        yield return new() { Name = "CephBlockPool is Ready", Tags = ["rook", "storage"], Run = async c =>
        {
            var pools = await List(c, CephBlockPool, "rook-ceph").ConfigureAwait(false);
            if (pools.Count == 0) throw new CheckSkippedException("no CephBlockPool");
            Require(pools.All(p => p.Str("status", "phase") == "Ready"), $"pools not Ready: {string.Join(", ", pools.Where(p => p.Str("status", "phase") != "Ready").Select(p => p.Name()))}");
        } };
    }

    private static string[] AddOnTag(string ns) => ns switch { "metallb-system" => ["metallb"], "rook-ceph" => ["rook"], _ => [] };

    private static int ControlPlanes(CheckContext c) => Math.Max(1, c.Cell.Machines.Count(m => m.Role == "control-plane"));

    private static int OsdCount(CheckContext c)
    {
        var p = c.Cell.Profile ?? throw new CheckSkippedException("the cell has no hardware profile");
        var perNode = p.Storage.Where(s => s.Role == StorageRole.RookOsd).Sum(s => s.Count);
        if (perNode == 0) throw new CheckSkippedException("the profile has no rook-osd drives");
        return perNode * Math.Max(1, c.Cell.Machines.Count(m => m.Role != "control-plane" || c.Cell.Machines.All(x => x.Role == "control-plane")));
    }
}
