using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>Keeps Node objects in step with the node source: Ready while powered on, NotReady when off.</summary>
public sealed class NodeController
{
    public const string SimulatedAnnotation = "testfarm.io/simulated";
    private readonly ResourceCatalog _catalog;
    private readonly ObjectStore _store;
    private readonly INodeSource _source;
    private readonly string _kubeletVersion;

    public NodeController(ResourceCatalog catalog, ObjectStore store, INodeSource source, string kubeletVersion)
    {
        _catalog = catalog;
        _store = store;
        _source = source;
        _kubeletVersion = kubeletVersion;
    }

    public void Reconcile()
    {
        var type = _catalog.Find("", "v1", "nodes")!;
        var nodes = _source.GetNodes();
        var index = 0;
        foreach (var node in nodes)
        {
            index++;
            var existing = _store.Get(type, null, node.Name);
            var obj = existing ?? new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["metadata"] = new JsonObject { ["name"] = node.Name } };
            var meta = obj["metadata"]!.AsObject();
            var labels = new JsonObject
            {
                ["kubernetes.io/hostname"] = node.Name,
                ["kubernetes.io/os"] = "linux",
                ["kubernetes.io/arch"] = node.Arch,
                ["testfarm.io/profile"] = node.Profile,
            };
            foreach (var role in node.Roles) labels[$"node-role.kubernetes.io/{role}"] = "";
            foreach (var (k, v) in node.Labels) labels[k] = v;
            meta["labels"] = labels;
            meta["annotations"] = new JsonObject
            {
                [SimulatedAnnotation] = "true",
                ["testfarm.io/osd-devices"] = string.Join(",", node.OsdDevices),
            };
            obj["spec"] = new JsonObject();
            var previous = existing?["status"]?["conditions"]?[0]?["status"]?.GetValue<string>();
            var ready = node.PoweredOn ? "True" : "Unknown";
            var since = previous == ready ? existing!["status"]!["conditions"]![0]!["lastTransitionTime"]!.GetValue<string>() : _store.Now;
            var memory = $"{node.MemoryGiB * 1024 * 1024}Ki";
            var resources = new JsonObject { ["cpu"] = node.CpuCores.ToString(System.Globalization.CultureInfo.InvariantCulture), ["memory"] = memory, ["pods"] = "110" };
            obj["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready",
                    ["status"] = ready,
                    ["reason"] = node.PoweredOn ? "KubeletReady" : "NodeStatusUnknown",
                    ["message"] = node.PoweredOn ? "simulated kubelet is posting ready status" : "machine is powered off (simulated)",
                    ["lastTransitionTime"] = since,
                    ["lastHeartbeatTime"] = since,
                }),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = node.Address ?? $"10.10.0.{index + 10}" },
                    new JsonObject { ["type"] = "Hostname", ["address"] = node.Name }),
                ["capacity"] = resources,
                ["allocatable"] = resources.DeepClone(),
                ["nodeInfo"] = new JsonObject
                {
                    ["kubeletVersion"] = "v" + _kubeletVersion.TrimStart('v') + DiscoveryDocuments.SimulationSuffix,
                    ["osImage"] = "TestFarm simulated node",
                    ["operatingSystem"] = "linux",
                    ["architecture"] = node.Arch,
                    ["containerRuntimeVersion"] = "simulated://1.0",
                    ["kernelVersion"] = "simulated",
                },
            };
            _store.Put(type, obj);
        }
        foreach (var stale in _store.List(type, null).Where(o => nodes.All(n => n.Name != o["metadata"]!["name"]!.GetValue<string>())))
        {
            _store.Delete(type, null, stale["metadata"]!["name"]!.GetValue<string>());
        }
    }

    public static bool IsReady(JsonObject node) =>
        node["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") == true;
}
