using System.Net;
using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>
/// Stand-ins for what MetalLB and Rook would do: LoadBalancer services get IPv4 addresses from the
/// metallb.io IPAddressPools; CephClusters report HEALTH_OK while every OSD drive they name is on a Ready node.
/// </summary>
public sealed class AddonControllers
{
    private readonly ResourceCatalog _catalog;
    private readonly ObjectStore _store;

    public AddonControllers(ResourceCatalog catalog, ObjectStore store)
    {
        _catalog = catalog;
        _store = store;
    }

    public void Reconcile()
    {
        AssignLoadBalancerIps();
        ReportCephHealth();
    }

    private void AssignLoadBalancerIps()
    {
        var poolType = _catalog.All.FirstOrDefault(t => t.Group == "metallb.io" && t.Kind == "IPAddressPool");
        if (poolType is null) return;
        var services = _catalog.Find("", "v1", "services")!;
        var all = _store.List(services, null);
        var used = all.SelectMany(s => s["status"]?["loadBalancer"]?["ingress"]?.AsArray() ?? [])
            .Select(i => i?["ip"]?.GetValue<string>()).OfType<string>().ToHashSet();
        var pools = _store.List(poolType, null);
        foreach (var svc in all.Where(s => s["spec"]?["type"]?.GetValue<string>() == "LoadBalancer"))
        {
            if (svc["status"]?["loadBalancer"]?["ingress"] is JsonArray { Count: > 0 }) continue;
            var ip = pools.SelectMany(Candidates).FirstOrDefault(c => !used.Contains(c));
            if (ip is null) continue;
            used.Add(ip);
            svc["status"] = new JsonObject
            {
                ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = ip, ["ipMode"] = "VIP" }) },
            };
            _store.Put(services, svc);
        }
    }

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

    private void ReportCephHealth()
    {
        var cephType = _catalog.All.FirstOrDefault(t => t.Group == "ceph.rook.io" && t.Kind == "CephCluster");
        if (cephType is null) return;
        var nodes = _store.List(_catalog.Find("", "v1", "nodes")!, null);
        foreach (var cluster in _store.List(cephType, null))
        {
            var wanted = WantedOsds(cluster, nodes);
            var missing = wanted.Where(w => !nodes.Any(n => Name(n) == w.Node && NodeController.IsReady(n) && Devices(n).Contains(w.Device))).ToList();
            var health = wanted.Count == 0 || missing.Count == wanted.Count ? "HEALTH_ERR" : missing.Count > 0 ? "HEALTH_WARN" : "HEALTH_OK";
            var details = new JsonObject();
            if (missing.Count > 0)
            {
                details["OSD_DOWN"] = new JsonObject
                {
                    ["severity"] = "HEALTH_WARN",
                    ["message"] = $"{missing.Count} osds down: " + string.Join(", ", missing.Select(m => $"{m.Node}:{m.Device}")),
                };
            }
            if (wanted.Count == 0) details["OSD_NONE"] = new JsonObject { ["severity"] = "HEALTH_ERR", ["message"] = "no OSD drives found on the nodes" };
            var status = new JsonObject
            {
                ["phase"] = "Ready",
                ["state"] = "Created",
                ["message"] = "Cluster created successfully (simulated)",
                ["ceph"] = new JsonObject
                {
                    ["health"] = health,
                    ["details"] = details,
                    ["osdsUp"] = wanted.Count - missing.Count,
                    ["osdsTotal"] = wanted.Count,
                },
            };
            if (JsonNode.DeepEquals(cluster["status"], status)) continue;
            cluster["status"] = status;
            _store.Put(cephType, cluster);
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

    private static List<string> Devices(JsonObject node) =>
        (node["metadata"]?["annotations"]?[$"testfarm.io/osd-devices"]?.GetValue<string>() ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
}
