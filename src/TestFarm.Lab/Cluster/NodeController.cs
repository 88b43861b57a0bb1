using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>
/// Keeps Node objects in step with the node source and the simulated kubelets: Ready while powered on and the kubelet runs;
/// Unknown at once when powered off, and a grace period after the kubelet stopped posting status (the node lifecycle
/// controller's part), tainted <c>node.kubernetes.io/unreachable</c> while Unknown.
/// </summary>
public sealed class NodeController
{
    public const string SimulatedAnnotation = "testfarm.io/simulated";
    private readonly ResourceCatalog _catalog;
    private readonly ObjectStore _store;
    private readonly INodeSource _source;
    private readonly string _kubeletVersion;
    private readonly SimulatedKubelets _kubelets;
    private readonly TimeSpan _gracePeriod;

    public const string UnreachableTaint = "node.kubernetes.io/unreachable";

    public NodeController(ResourceCatalog catalog, ObjectStore store, INodeSource source, string kubeletVersion)
        : this(catalog, store, source, kubeletVersion, new SimulatedKubelets(), TimeSpan.FromSeconds(40))
    {
    }

    public NodeController(ResourceCatalog catalog, ObjectStore store, INodeSource source, string kubeletVersion,
        SimulatedKubelets kubelets, TimeSpan gracePeriod)
    {
        _catalog = catalog;
        _store = store;
        _source = source;
        _kubeletVersion = kubeletVersion;
        _kubelets = kubelets;
        _gracePeriod = gracePeriod;
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
            var spec = obj["spec"] as JsonObject ?? new JsonObject();
            var podCidr = $"10.244.{index - 1}.0/24";
            spec["podCIDR"] = podCidr;
            spec["podCIDRs"] = new JsonArray(podCidr);
            obj["spec"] = spec;
            var previous = existing?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Ready");
            var (ready, reason, message) = ReadyCondition(node, previous);
            var reporting = ready == "True";
            var since = previous?["status"]?.GetValue<string>() == ready ? previous!["lastTransitionTime"]!.GetValue<string>() : _store.Now;
            SetUnreachableTaints(spec, ready == "Unknown");
            var culture = System.Globalization.CultureInfo.InvariantCulture;
            var capacity = new JsonObject
            {
                ["cpu"] = node.CpuCores.ToString(culture), ["memory"] = $"{node.MemoryGiB * 1024L * 1024}Ki",
                ["pods"] = "110", ["hugepages-1Gi"] = "0", ["hugepages-2Mi"] = "0",
            };
            var allocatable = (JsonObject)capacity.DeepClone();
            allocatable["memory"] = $"{(node.MemoryGiB * 1024L * 1024) - 102400}Ki"; // the kubelet's default 100Mi hard-eviction reserve
            var address = node.Address ?? $"10.10.0.{index + 10}";
            var id = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(node.Name))).ToLowerInvariant();
            obj["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(
                    Pressure("MemoryPressure", "KubeletHasSufficientMemory", since, reporting),
                    Pressure("DiskPressure", "KubeletHasNoDiskPressure", since, reporting),
                    Pressure("PIDPressure", "KubeletHasSufficientPID", since, reporting),
                    new JsonObject
                    {
                        ["type"] = "Ready",
                        ["status"] = ready,
                        ["reason"] = reason,
                        ["message"] = message,
                        ["lastTransitionTime"] = since,
                        ["lastHeartbeatTime"] = since,
                    }),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = address },
                    new JsonObject { ["type"] = "Hostname", ["address"] = node.Name }),
                ["capacity"] = capacity,
                ["allocatable"] = allocatable,
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
                ["nodeInfo"] = new JsonObject
                {
                    ["kubeletVersion"] = "v" + _kubeletVersion.TrimStart('v') + DiscoveryDocuments.SimulationSuffix,
                    ["kubeProxyVersion"] = "v" + _kubeletVersion.TrimStart('v') + DiscoveryDocuments.SimulationSuffix,
                    ["osImage"] = "TestFarm simulated node",
                    ["operatingSystem"] = "linux",
                    ["architecture"] = node.Arch,
                    ["containerRuntimeVersion"] = "simulated://1.0",
                    ["kernelVersion"] = "simulated",
                    ["machineID"] = id[..32],
                    ["systemUUID"] = $"{id[..8]}-{id[8..12]}-{id[12..16]}-{id[16..20]}-{id[20..32]}",
                    ["bootID"] = $"{id[32..40]}-{id[40..44]}-{id[44..48]}-{id[48..52]}-{id[52..64]}",
                },
            };
            _store.Put(type, obj);
        }
        foreach (var stale in _store.List(type, null).Where(o => nodes.All(n => n.Name != o["metadata"]!["name"]!.GetValue<string>())))
        {
            _store.Delete(type, null, stale["metadata"]!["name"]!.GetValue<string>());
        }
    }

    /// <summary>
    /// The Ready condition: Unknown at once for a machine that is off; for a stopped kubelet, as last posted until the grace
    /// period has passed since it stopped, then Unknown; True while the kubelet runs.
    /// </summary>
    private (string Status, string Reason, string Message) ReadyCondition(SimulatedNode node, JsonNode? previous)
    {
        if (!node.PoweredOn) return ("Unknown", "NodeStatusUnknown", "machine is powered off (simulated)");
        if (_kubelets.StoppedAt(node.Name) is not { } stopped) return ("True", "KubeletReady", "simulated kubelet is posting ready status");
        if (_store.Clock.GetUtcNow() - stopped >= _gracePeriod) return ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.");
        return previous?["status"]?.GetValue<string>() is { } status
            ? (status, previous["reason"]?.GetValue<string>() ?? "", previous["message"]?.GetValue<string>() ?? "")
            : ("True", "KubeletReady", "simulated kubelet is posting ready status");
    }

    /// <summary>The node lifecycle controller's taints on an unreachable node (NoSchedule and NoExecute), keeping when each was added.</summary>
    private void SetUnreachableTaints(JsonObject spec, bool unreachable)
    {
        var old = spec["taints"] as JsonArray;
        var kept = new JsonArray();
        string? added = null;
        foreach (var taint in old ?? [])
        {
            if (taint?["key"]?.GetValue<string>() == UnreachableTaint) added ??= taint["timeAdded"]?.GetValue<string>();
            else kept.Add(taint!.DeepClone());
        }
        if (unreachable)
        {
            added ??= _store.Now;
            kept.Add(new JsonObject { ["key"] = UnreachableTaint, ["effect"] = "NoSchedule", ["timeAdded"] = added });
            kept.Add(new JsonObject { ["key"] = UnreachableTaint, ["effect"] = "NoExecute", ["timeAdded"] = added });
        }
        if (kept.Count > 0) spec["taints"] = kept;
        else spec.Remove("taints");
    }

    /// <summary>A pressure condition: False while the kubelet reports, Unknown once it stopped.</summary>
    private static JsonObject Pressure(string type, string reason, string since, bool reporting) => new()
    {
        ["type"] = type,
        ["status"] = reporting ? "False" : "Unknown",
        ["reason"] = reporting ? reason : "NodeStatusUnknown",
        ["message"] = reporting ? reason : "Kubelet stopped posting node status.",
        ["lastTransitionTime"] = since,
        ["lastHeartbeatTime"] = since,
    };

    /// <summary>The node's InternalIP, if it reports one.</summary>
    public static string? InternalIp(JsonObject node) =>
        node["status"]?["addresses"]?.AsArray().FirstOrDefault(a => a?["type"]?.GetValue<string>() == "InternalIP")?["address"]?.GetValue<string>();

    public static bool IsReady(JsonObject node) =>
        node["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") == true;
}
