using System.Net;
using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;
using TestFarm.Scenarios.Engine;
using static TestFarm.Scenarios.Checks.CheckContext;

namespace TestFarm.Scenarios.Checks;

/// <summary>Checks that write: create, read back, wait for controllers (PVC binding, LB IPs, pods), then clean up.</summary>
internal static class RoundTripChecks
{
    public static readonly ResourceKind ConfigMap = new("v1", "ConfigMap");
    public static readonly ResourceKind Secret = new("v1", "Secret");
    public static readonly ResourceKind Pvc = new("v1", "PersistentVolumeClaim");
    private const string Ns = "default";
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(2);

    private static JsonObject Obj(string apiVersion, string kind, string name, string? ns, JsonObject? labels = null) => new()
    {
        ["apiVersion"] = apiVersion, ["kind"] = kind,
        ["metadata"] = ns is null
            ? new JsonObject { ["name"] = name, ["labels"] = labels ?? new JsonObject { ["app.kubernetes.io/managed-by"] = "testfarm" } }
            : new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labels ?? new JsonObject { ["app.kubernetes.io/managed-by"] = "testfarm" } },
    };

    private static JsonObject Pod(string name, string? claim = null)
    {
        var pod = Obj("v1", "Pod", name, Ns);
        var container = new JsonObject { ["name"] = "c", ["image"] = "registry.k8s.io/pause:3.10" };
        pod["spec"] = new JsonObject { ["containers"] = new JsonArray(container) };
        if (claim is not null)
        {
            container["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "data", ["mountPath"] = "/data" });
            pod["spec"]!["volumes"] = new JsonArray(new JsonObject { ["name"] = "data", ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = claim } });
        }
        return pod;
    }

    private static async Task<T> WithCleanup<T>(CheckContext c, IEnumerable<ResourceRef> refs, Func<Task<T>> body)
    {
        try { return await body().ConfigureAwait(false); }
        finally
        {
            foreach (var r in refs.Reverse())
            {
                try { await c.Cluster.DeleteAsync(r, CancellationToken.None).ConfigureAwait(false); }
                catch (ClusterApiException) { /* best effort: the object may never have been created */ }
            }
        }
    }

    public static IEnumerable<ApiCheck> All()
    {
        yield return new() { Name = "namespace create and delete", Tags = ["smoke", "write", "namespaces"], Run = async c =>
        {
            var name = $"testfarm-ns-{c.Suffix}";
            await c.Cluster.ApplyAsync(Obj("v1", "Namespace", name, null), c.CancellationToken).ConfigureAwait(false);
            Require(await c.Cluster.GetAsync(new ResourceRef(ResourceKind.Namespace, name), c.CancellationToken).ConfigureAwait(false) is not null, "namespace not readable after create");
            Require(await c.Cluster.DeleteAsync(new ResourceRef(ResourceKind.Namespace, name), c.CancellationToken).ConfigureAwait(false), "delete said the namespace did not exist");
            Require(await c.EventuallyAsync(async () => await c.Cluster.GetAsync(new ResourceRef(ResourceKind.Namespace, name), c.CancellationToken).ConfigureAwait(false) is null, Settle).ConfigureAwait(false),
                "namespace still there after delete");
        } };
        yield return new() { Name = "configmap round trip", Tags = ["smoke", "write"], Run = async c =>
        {
            var name = $"testfarm-cm-{c.Suffix}";
            var cm = Obj("v1", "ConfigMap", name, Ns);
            cm["data"] = new JsonObject { ["key"] = "value with spaces", ["empty"] = "" };
            var r = new ResourceRef(ConfigMap, name, Ns);
            await WithCleanup(c, [r], async () =>
            {
                await c.Cluster.ApplyAsync(cm, c.CancellationToken).ConfigureAwait(false);
                var back = await c.Cluster.GetAsync(r, c.CancellationToken).ConfigureAwait(false);
                Require(back.Str("data", "key") == "value with spaces" && back.Str("data", "empty") == "", "configmap data changed on the way");
                return 0;
            }).ConfigureAwait(false);
        } };
        yield return new() { Name = "secret round trip", Tags = ["smoke", "write"], Run = async c =>
        {
            var name = $"testfarm-secret-{c.Suffix}";
            var s = Obj("v1", "Secret", name, Ns);
            s["type"] = "Opaque";
            s["data"] = new JsonObject { ["token"] = Convert.ToBase64String("s3cr3t\u00e9"u8.ToArray()) };
            var r = new ResourceRef(Secret, name, Ns);
            await WithCleanup(c, [r], async () =>
            {
                await c.Cluster.ApplyAsync(s, c.CancellationToken).ConfigureAwait(false);
                var back = await c.Cluster.GetAsync(r, c.CancellationToken).ConfigureAwait(false);
                Require(back.Str("data", "token") == s["data"]!["token"]!.ToString(), "secret data changed on the way");
                return 0;
            }).ConfigureAwait(false);
        } };
        yield return new() { Name = "label selector returns only matching objects", Tags = ["smoke", "write"], Run = async c =>
        {
            var a = new ResourceRef(ConfigMap, $"testfarm-sel-a-{c.Suffix}", Ns);
            var b = new ResourceRef(ConfigMap, $"testfarm-sel-b-{c.Suffix}", Ns);
            await WithCleanup(c, [a, b], async () =>
            {
                await c.Cluster.ApplyAsync(Obj("v1", "ConfigMap", a.Name, Ns, new JsonObject { ["testfarm/check"] = c.Suffix, ["color"] = "red" }), c.CancellationToken).ConfigureAwait(false);
                await c.Cluster.ApplyAsync(Obj("v1", "ConfigMap", b.Name, Ns, new JsonObject { ["testfarm/check"] = c.Suffix, ["color"] = "blue" }), c.CancellationToken).ConfigureAwait(false);
                var red = await c.Cluster.ListAsync(ConfigMap, Ns, $"testfarm/check={c.Suffix},color=red", c.CancellationToken).ConfigureAwait(false);
                Require(red.Count == 1 && red[0].Name() == a.Name, $"selector color=red returned {red.Count} objects");
                var both = await c.Cluster.ListAsync(ConfigMap, Ns, $"testfarm/check={c.Suffix}", c.CancellationToken).ConfigureAwait(false);
                Require(both.Count == 2, $"selector testfarm/check returned {both.Count} objects, expected 2");
                return 0;
            }).ConfigureAwait(false);
        } };
        yield return new() { Name = "apply updates an existing object", Tags = ["write"], Run = async c =>
        {
            var r = new ResourceRef(ConfigMap, $"testfarm-upd-{c.Suffix}", Ns);
            await WithCleanup(c, [r], async () =>
            {
                var cm = Obj("v1", "ConfigMap", r.Name, Ns);
                cm["data"] = new JsonObject { ["v"] = "1" };
                await c.Cluster.ApplyAsync(cm, c.CancellationToken).ConfigureAwait(false);
                cm["data"] = new JsonObject { ["v"] = "2" };
                await c.Cluster.ApplyAsync(cm, c.CancellationToken).ConfigureAwait(false);
                Require((await c.Cluster.GetAsync(r, c.CancellationToken).ConfigureAwait(false)).Str("data", "v") == "2", "second apply did not update");
                return 0;
            }).ConfigureAwait(false);
        } };
        yield return new() { Name = "delete of a missing object reports absence", Tags = ["write"], Run = async c =>
            Require(!await c.Cluster.DeleteAsync(new ResourceRef(ConfigMap, $"testfarm-never-{c.Suffix}", Ns), c.CancellationToken).ConfigureAwait(false),
                "delete of a missing object returned true") };
        yield return new() { Name = "a pod starts and becomes Ready", Tags = ["smoke", "write", "pods", "slow"], Run = async c =>
        {
            var r = new ResourceRef(ResourceKind.Pod, $"testfarm-pod-{c.Suffix}", Ns);
            await WithCleanup(c, [r], async () =>
            {
                await c.Cluster.ApplyAsync(Pod(r.Name), c.CancellationToken).ConfigureAwait(false);
                Require(await c.EventuallyAsync(async () => (await c.Cluster.GetAsync(r, c.CancellationToken).ConfigureAwait(false)).PodReady(), Settle).ConfigureAwait(false),
                    $"pod not Ready within {Settle}");
                return 0;
            }).ConfigureAwait(false);
        } };
        yield return new() { Name = "a PVC on Ceph binds", Tags = ["smoke", "write", "storage", "rook", "slow"], Run = async c =>
        {
            var claim = await CreatePvcAsync(c, $"testfarm-pvc-{c.Suffix}").ConfigureAwait(false);
            await WithCleanup(c, [claim], async () => { await WaitBoundAsync(c, claim).ConfigureAwait(false); return 0; }).ConfigureAwait(false);
        } };
        yield return new() { Name = "a PVC on Ceph survives a pod restart", Tags = ["write", "storage", "rook", "slow"], Run = async c =>
        {
            var claim = await CreatePvcAsync(c, $"testfarm-pvcr-{c.Suffix}").ConfigureAwait(false);
            var pod = new ResourceRef(ResourceKind.Pod, $"testfarm-pvcr-{c.Suffix}", Ns);
            await WithCleanup(c, [claim, pod], async () =>
            {
                await WaitBoundAsync(c, claim).ConfigureAwait(false);
                for (var round = 1; round <= 2; round++)
                {
                    await c.Cluster.ApplyAsync(Pod(pod.Name, claim.Name), c.CancellationToken).ConfigureAwait(false);
                    Require(await c.EventuallyAsync(async () => (await c.Cluster.GetAsync(pod, c.CancellationToken).ConfigureAwait(false)).PodReady(), Settle).ConfigureAwait(false),
                        $"pod with the claim not Ready (round {round})");
                    await c.Cluster.DeleteAsync(pod, c.CancellationToken).ConfigureAwait(false);
                    Require(await c.EventuallyAsync(async () => await c.Cluster.GetAsync(pod, c.CancellationToken).ConfigureAwait(false) is null, Settle).ConfigureAwait(false), "pod not deleted");
                    Require((await c.Cluster.GetAsync(claim, c.CancellationToken).ConfigureAwait(false)).Str("status", "phase") == "Bound", $"claim not Bound after pod restart {round}");
                }
                return 0;
            }).ConfigureAwait(false);
        } };
        yield return new() { Name = "a LoadBalancer service gets an IP from the MetalLB pool", Tags = ["smoke", "write", "metallb", "network"], Run = async c =>
        {
            var svc = new ResourceRef(ResourceKind.Service, $"testfarm-lb-{c.Suffix}", Ns);
            await WithCleanup(c, [svc], async () =>
            {
                var ip = await CreateLoadBalancerAsync(c, svc).ConfigureAwait(false);
                var pools = await c.Cluster.ListAsync(AddOnChecks.IpAddressPool, "metallb-system", cancellationToken: c.CancellationToken).ConfigureAwait(false);
                var ranges = pools.SelectMany(p => p.Items("spec", "addresses")).Select(a => a.ToString()).ToList();
                Require(ranges.Any(r => AddressRange.Contains(r, ip)), $"IP {ip} is outside the pools {string.Join(", ", ranges)}");
                return 0;
            }).ConfigureAwait(false);
        } };
        yield return new() { Name = "a LoadBalancer IP answers", Tags = ["write", "metallb", "network", "slow"], Run = async c =>
        {
            if (c.Cell.Transport is null) throw new CheckSkippedException("no probe transport to reach the VIP from the farm");
            // A service without Ready endpoints is rejected by kube-proxy: the VIP needs a backend that serves port 80.
            var svc = new ResourceRef(ResourceKind.Service, $"testfarm-lbr-{c.Suffix}", Ns);
            var backend = new ResourceRef(ResourceKind.Deployment, svc.Name, Ns);
            await WithCleanup(c, [backend, svc], async () =>
            {
                await c.Cluster.ApplyAsync(Backend(svc.Name), c.CancellationToken).ConfigureAwait(false);
                var ip = await CreateLoadBalancerAsync(c, svc).ConfigureAwait(false);
                Require(await c.EventuallyAsync(async () => (await c.Cluster.ListAsync(ResourceKind.Pod, Ns, $"app={svc.Name}", c.CancellationToken).ConfigureAwait(false)).Any(p => p.PodReady()), Settle).ConfigureAwait(false),
                    $"no Ready backend pod app={svc.Name} within {Settle}");
                var status = await c.Cell.Transport.HttpGetAsync(new Uri($"http://{ip}:80/"), c.CancellationToken).ConfigureAwait(false);
                Require(status == 200, $"GET http://{ip}:80/ answered {status}, expected 200");
                return 0;
            }).ConfigureAwait(false);
        } };
        yield return new() { Name = "a worker can be cordoned and uncordoned", Tags = ["write", "nodes", "disruptive"], Run = async c =>
        {
            var worker = c.Cell.Machines.FirstOrDefault(m => m.Role != "control-plane") ?? throw new CheckSkippedException("no worker in the cell");
            JsonObject Patch(bool value) => new()
            {
                ["apiVersion"] = "v1", ["kind"] = "Node", ["metadata"] = new JsonObject { ["name"] = worker.NodeName },
                ["spec"] = new JsonObject { ["unschedulable"] = value },
            };
            var node = new ResourceRef(ResourceKind.Node, worker.NodeName);
            try
            {
                await c.Cluster.ApplyAsync(Patch(true), c.CancellationToken).ConfigureAwait(false);
                Require((await c.Cluster.GetAsync(node, c.CancellationToken).ConfigureAwait(false)).Str("spec", "unschedulable") == "true", "cordon did not stick");
            }
            finally
            {
                await c.Cluster.ApplyAsync(Patch(false), CancellationToken.None).ConfigureAwait(false);
            }
            Require((await c.Cluster.GetAsync(node, c.CancellationToken).ConfigureAwait(false)).Str("spec", "unschedulable") != "true", "uncordon did not stick");
        } };
        yield return new() { Name = "a ClusterIP service gets an address", Tags = ["write", "network"], Run = async c =>
        {
            var svc = new ResourceRef(ResourceKind.Service, $"testfarm-cip-{c.Suffix}", Ns);
            await WithCleanup(c, [svc], async () =>
            {
                var obj = Obj("v1", "Service", svc.Name, Ns);
                obj["spec"] = new JsonObject { ["type"] = "ClusterIP", ["ports"] = new JsonArray(new JsonObject { ["port"] = 80 }) };
                var stored = await c.Cluster.ApplyAsync(obj, c.CancellationToken).ConfigureAwait(false);
                Require(IPAddress.TryParse(stored.Str("spec", "clusterIP"), out _), "no spec.clusterIP");
                return 0;
            }).ConfigureAwait(false);
        } };
    }

    /// <summary>A one-replica HTTP server on port 80 (agnhost netexec) labelled app=<paramref name="app"/>.</summary>
    public static JsonObject Backend(string app, string ns = Ns)
    {
        var labels = new JsonObject { ["app"] = app };
        var deployment = Obj("apps/v1", "Deployment", app, ns);
        deployment["spec"] = new JsonObject
        {
            ["replicas"] = 1,
            ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = labels },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "http", ["image"] = "registry.k8s.io/e2e-test-images/agnhost:2.53",
                        ["args"] = new JsonArray("netexec", "--http-port=80"),
                        ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 80, ["protocol"] = "TCP" }),
                    }),
                },
            },
        };
        return deployment;
    }

    private static async Task<ResourceRef> CreatePvcAsync(CheckContext c, string name)
    {
        var classes = await c.Cluster.ListAsync(AddOnChecks.StorageClass, cancellationToken: c.CancellationToken).ConfigureAwait(false);
        var ceph = classes.FirstOrDefault(s => s.Str("provisioner")?.EndsWith("rbd.csi.ceph.com", StringComparison.Ordinal) == true)
                   ?? throw new CheckFailedException("no Ceph RBD storage class to bind a claim on");
        var pvc = Obj("v1", "PersistentVolumeClaim", name, Ns);
        pvc["spec"] = new JsonObject
        {
            ["accessModes"] = new JsonArray("ReadWriteOnce"), ["storageClassName"] = ceph.Name(),
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
        };
        await c.Cluster.ApplyAsync(pvc, c.CancellationToken).ConfigureAwait(false);
        return new ResourceRef(Pvc, name, Ns);
    }

    private static async Task WaitBoundAsync(CheckContext c, ResourceRef claim) =>
        Require(await c.EventuallyAsync(async () => (await c.Cluster.GetAsync(claim, c.CancellationToken).ConfigureAwait(false)).Str("status", "phase") == "Bound", Settle).ConfigureAwait(false),
            $"claim {claim.Name} not Bound within {Settle}");

    private static async Task<string> CreateLoadBalancerAsync(CheckContext c, ResourceRef svc)
    {
        var obj = Obj("v1", "Service", svc.Name, Ns);
        obj["spec"] = new JsonObject
        {
            ["type"] = "LoadBalancer", ["selector"] = new JsonObject { ["app"] = svc.Name },
            ["ports"] = new JsonArray(new JsonObject { ["port"] = 80, ["protocol"] = "TCP" }),
        };
        await c.Cluster.ApplyAsync(obj, c.CancellationToken).ConfigureAwait(false);
        string? ip = null;
        Require(await c.EventuallyAsync(async () =>
        {
            ip = (await c.Cluster.GetAsync(svc, c.CancellationToken).ConfigureAwait(false)).Items("status", "loadBalancer", "ingress").Select(i => i.Str("ip")).FirstOrDefault(i => !string.IsNullOrEmpty(i));
            return ip is not null;
        }, Settle).ConfigureAwait(false), $"no LoadBalancer ingress IP within {Settle}");
        return ip!;
    }
}

/// <summary>MetalLB address entries: CIDR (<c>10.0.0.0/24</c>) or range (<c>10.0.0.10-10.0.0.20</c>).</summary>
public static class AddressRange
{
    public static bool Contains(string entry, string ip)
    {
        if (!IPAddress.TryParse(ip, out var address)) return false;
        var dash = entry.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && IPAddress.TryParse(entry[..dash].Trim(), out var from) && IPAddress.TryParse(entry[(dash + 1)..].Trim(), out var to))
        {
            var a = new BigIntegerKey(address);
            return a.CompareTo(new BigIntegerKey(from)) >= 0 && a.CompareTo(new BigIntegerKey(to)) <= 0;
        }
        return IPNetwork.TryParse(entry.Trim(), out var network) && network.Contains(address);
    }

    private readonly record struct BigIntegerKey(IPAddress Address) : IComparable<BigIntegerKey>
    {
        public int CompareTo(BigIntegerKey other)
        {
            var a = Address.GetAddressBytes();
            var b = other.Address.GetAddressBytes();
            if (a.Length != b.Length) return a.Length.CompareTo(b.Length);
            return a.AsSpan().SequenceCompareTo(b);
        }
    }
}
