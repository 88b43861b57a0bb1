using System.Net;
using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>
/// Stand-in for MetalLB: once its controller Deployment is available, LoadBalancer services get IPv4 addresses
/// from the metallb.io IPAddressPools; VIPs on loopback really answer (see <see cref="LoadBalancerResponders"/>).
/// </summary>
public sealed class AddonControllers : IDisposable
{
    private readonly ResourceCatalog _catalog;
    private readonly ObjectStore _store;

    public AddonControllers(ResourceCatalog catalog, ObjectStore store)
    {
        _catalog = catalog;
        _store = store;
    }

    /// <summary>Annotation on LoadBalancer services: whether the lab's simulated backend answers on the VIP, and why not.</summary>
    public const string VipAnnotation = "lab.testfarm.io/simulated-vip";

    public LoadBalancerResponders Responders { get; } = new();

    public void Reconcile()
    {
        var services = _catalog.Find("", "v1", "services")!;
        var pods = _store.List(_catalog.Find("", "v1", "pods")!, null);
        if (ControllerAvailable()) AssignLoadBalancerIps(services);
        var all = _store.List(services, null);
        var held = all.SelectMany(s => s["status"]?["loadBalancer"]?["ingress"]?.AsArray() ?? [])
            .Select(i => i?["ip"]?.GetValue<string>()).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var speakerReady = pods.Any(p => Selectors.LabelsOf(p).GetValueOrDefault("component") == "speaker"
                                         && Selectors.LabelsOf(p).GetValueOrDefault("app") == "metallb" && WorkloadController.IsPodReady(p));
        var serving = LoadBalancerResponders.Serving(all, pods, speakerReady);
        Responders.Apply(serving, held);
        foreach (var svc in all) Describe(services, svc, serving, speakerReady);
    }

    /// <summary>Says on a LoadBalancer service with a loopback VIP whether and why (not) its simulated backend answers.</summary>
    private void Describe(ResourceType services, JsonObject svc, Dictionary<(string Ip, int Port), string> serving, bool speakerReady)
    {
        var ip = svc["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"]?.GetValue<string>();
        if (ip is null || !LoadBalancerResponders.IsLoopback(ip) || svc["spec"]?["type"]?.GetValue<string>() != "LoadBalancer") return;
        var ports = LoadBalancerResponders.TcpPorts(svc).ToList();
        var failures = ports.Select(p => Responders.Failure(ip, p)).OfType<string>().ToList();
        var text = failures.Count > 0 ? string.Join("; ", failures)
            : !speakerReady ? "not answering: no Ready MetalLB speaker announces the VIP"
            : ports.All(p => serving.ContainsKey((ip, p))) ? $"answering on {ip}:{string.Join(",", ports)} (simulated backend standing in for the endpoints)"
            : "not answering: the service selects no Ready pod (connections are refused)";
        var annotations = svc["metadata"]!["annotations"] as JsonObject ?? new JsonObject();
        if (annotations[VipAnnotation]?.GetValue<string>() == text) return;
        annotations[VipAnnotation] = text;
        svc["metadata"]!["annotations"] = annotations;
        _store.Put(services, svc);
    }

    private bool ControllerAvailable() =>
        _store.List(_catalog.Find("apps", "v1", "deployments")!, null).Any(d =>
            Selectors.LabelsOf(d).GetValueOrDefault("app") == "metallb" && Selectors.LabelsOf(d).GetValueOrDefault("component") == "controller"
            && Admission.Int(d["status"]?["availableReplicas"], 0) > 0);

    private void AssignLoadBalancerIps(ResourceType services)
    {
        var poolType = _catalog.All.FirstOrDefault(t => t.Group == "metallb.io" && t.Kind == "IPAddressPool");
        if (poolType is null) return;
        var all = _store.List(services, null);
        var used = all.SelectMany(s => s["status"]?["loadBalancer"]?["ingress"]?.AsArray() ?? [])
            .Select(i => i?["ip"]?.GetValue<string>()).OfType<string>().ToHashSet();
        var pools = _store.List(poolType, null);
        foreach (var svc in all.Where(s => s["spec"]?["type"]?.GetValue<string>() == "LoadBalancer"))
        {
            if (svc["status"]?["loadBalancer"]?["ingress"] is JsonArray { Count: > 0 }) continue;
            var ports = LoadBalancerResponders.TcpPorts(svc).ToList();
            var ip = pools.SelectMany(Candidates).FirstOrDefault(c => !used.Contains(c) && Responders.TryClaim(c, ports));
            if (ip is null) continue;
            used.Add(ip);
            svc["status"] = new JsonObject
            {
                ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = ip, ["ipMode"] = "VIP" }) },
            };
            _store.Put(services, svc);
        }
    }

    public void Dispose() => Responders.Dispose();

    /// <summary>IPv4 addresses of a pool, from CIDRs ("10.0.0.0/28", network and broadcast skipped) and ranges ("a-b").</summary>
    public static IEnumerable<string> Candidates(JsonObject pool)
    {
        foreach (var entry in pool["spec"]?["addresses"]?.AsArray() ?? [])
        {
            var text = entry?.GetValue<string>() ?? "";
            uint first, last;
            if (text.Contains('/', StringComparison.Ordinal))
            {
                var parts = text.Split('/');
                if (!IPAddress.TryParse(parts[0], out var net) || net.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) continue;
                var prefix = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                var size = prefix >= 32 ? 1u : 1u << (32 - prefix);
                first = ToUInt(net);
                last = first + size - 1;
                if (size > 2) { first++; last--; }
            }
            else if (text.Contains('-', StringComparison.Ordinal))
            {
                var parts = text.Split('-', StringSplitOptions.TrimEntries);
                if (!IPAddress.TryParse(parts[0], out var a) || !IPAddress.TryParse(parts[1], out var b)
                    || a.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) continue;
                first = ToUInt(a);
                last = ToUInt(b);
            }
            else continue;
            for (var v = first; v <= last && v - first < 65536; v++) yield return FromUInt(v);
        }
    }

    private static uint ToUInt(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }

    private static string FromUInt(uint v) => $"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}";
}
