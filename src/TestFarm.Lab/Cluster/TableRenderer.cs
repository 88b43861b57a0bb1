using System.Globalization;
using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>meta.k8s.io/v1 Table answers for kubectl get: the usual columns of nodes, pods, workloads, services.</summary>
public static class TableRenderer
{
    public static bool Wanted(string? accept) => accept?.Contains("as=Table", StringComparison.Ordinal) == true;

    public static JsonObject Render(ResourceType type, IReadOnlyList<JsonObject> items, long resourceVersion, DateTimeOffset now)
    {
        var (columns, cells) = Columns(type.Kind, now);
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["columnDefinitions"] = new JsonArray(columns.Select((c, i) => (JsonNode)new JsonObject
            {
                ["name"] = c.Name, ["type"] = c.Name is "Restarts" ? "integer" : "string", ["format"] = i == 0 ? "name" : "",
                ["description"] = c.Name, ["priority"] = c.Wide ? 1 : 0,
            }).ToArray()),
            ["rows"] = new JsonArray(items.Select(o => (JsonNode)new JsonObject
            {
                ["cells"] = new JsonArray(cells(o).Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
                ["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = o["metadata"]?.DeepClone(),
                },
            }).ToArray()),
        };
    }

    private static (IReadOnlyList<(string Name, bool Wide)>, Func<JsonObject, IEnumerable<object>>) Columns(string kind, DateTimeOffset now)
    {
        string Age(JsonObject o) => AgeOf(o, now);
        static string S(JsonNode? n) => n?.ToString() ?? "";
        static int I(JsonNode? n) => n is null ? 0 : int.Parse(n.ToString(), CultureInfo.InvariantCulture);
        return kind switch
        {
            "Node" => ([("Name", false), ("Status", false), ("Roles", false), ("Age", false), ("Version", false), ("Internal-IP", true), ("OS-Image", true)],
                o => [Name(o), NodeController.IsReady(o) ? "Ready" : "NotReady", Roles(o), Age(o), S(o["status"]?["nodeInfo"]?["kubeletVersion"]),
                      S(o["status"]?["addresses"]?[0]?["address"]), S(o["status"]?["nodeInfo"]?["osImage"])]),
            "Pod" => ([("Name", false), ("Ready", false), ("Status", false), ("Restarts", false), ("Age", false), ("IP", true), ("Node", true)],
                o =>
                {
                    var containers = o["status"]?["containerStatuses"]?.AsArray() ?? [];
                    var total = Math.Max(containers.Count, o["spec"]?["containers"]?.AsArray().Count ?? 0);
                    var ready = containers.Count(c => c?["ready"]?.GetValue<bool>() == true);
                    return [Name(o), $"{ready}/{total}", S(o["status"]?["phase"]), 0, Age(o), S(o["status"]?["podIP"]), S(o["spec"]?["nodeName"])];
                }),
            "Deployment" or "StatefulSet" => ([("Name", false), ("Ready", false), ("Up-to-date", false), ("Available", false), ("Age", false)],
                o => [Name(o), $"{I(o["status"]?["readyReplicas"])}/{I(o["spec"]?["replicas"])}", I(o["status"]?["updatedReplicas"]),
                      I(o["status"]?["availableReplicas"]), Age(o)]),
            "DaemonSet" => ([("Name", false), ("Desired", false), ("Current", false), ("Ready", false), ("Up-to-date", false), ("Available", false), ("Age", false)],
                o => [Name(o), I(o["status"]?["desiredNumberScheduled"]), I(o["status"]?["currentNumberScheduled"]), I(o["status"]?["numberReady"]),
                      I(o["status"]?["updatedNumberScheduled"]), I(o["status"]?["numberAvailable"]), Age(o)]),
            "Service" => ([("Name", false), ("Type", false), ("Cluster-IP", false), ("External-IP", false), ("Port(s)", false), ("Age", false)],
                o => [Name(o), S(o["spec"]?["type"]), S(o["spec"]?["clusterIP"]),
                      S(o["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"]) is { Length: > 0 } ip ? ip : "<none>",
                      string.Join(",", (o["spec"]?["ports"]?.AsArray() ?? []).Select(p => $"{S(p?["port"])}/{(p?["protocol"] is null ? "TCP" : S(p["protocol"]))}")),
                      Age(o)]),
            "StorageClass" => ([("Name", false), ("Provisioner", false), ("ReclaimPolicy", false), ("VolumeBindingMode", false), ("AllowVolumeExpansion", false), ("Age", false)],
                o => [o["metadata"]?["annotations"]?["storageclass.kubernetes.io/is-default-class"]?.ToString() == "true" ? $"{Name(o)} (default)" : Name(o),
                      S(o["provisioner"]), o["reclaimPolicy"] is null ? "Delete" : S(o["reclaimPolicy"]),
                      o["volumeBindingMode"] is null ? "Immediate" : S(o["volumeBindingMode"]), o["allowVolumeExpansion"]?.ToString() == "true" ? "true" : "false", Age(o)]),
            "PersistentVolumeClaim" => ([("Name", false), ("Status", false), ("Volume", false), ("Capacity", false), ("Access Modes", false), ("StorageClass", false),
                                         ("VolumeAttributesClass", false), ("Age", false), ("VolumeMode", true)],
                o => [Name(o), S(o["status"]?["phase"]), S(o["spec"]?["volumeName"]), S(o["status"]?["capacity"]?["storage"]), AccessModes(o["status"]?["accessModes"]),
                      S(o["spec"]?["storageClassName"]), "<unset>", Age(o), o["spec"]?["volumeMode"] is null ? "Filesystem" : S(o["spec"]?["volumeMode"])]),
            "PersistentVolume" => ([("Name", false), ("Capacity", false), ("Access Modes", false), ("Reclaim Policy", false), ("Status", false), ("Claim", false),
                                    ("StorageClass", false), ("VolumeAttributesClass", false), ("Reason", false), ("Age", false)],
                o => [Name(o), S(o["spec"]?["capacity"]?["storage"]), AccessModes(o["spec"]?["accessModes"]), S(o["spec"]?["persistentVolumeReclaimPolicy"]),
                      S(o["status"]?["phase"]), o["spec"]?["claimRef"] is { } c ? $"{S(c["namespace"])}/{S(c["name"])}" : "",
                      S(o["spec"]?["storageClassName"]), "<unset>", "", Age(o)]),
            _ => ([("Name", false), ("Age", false)], o => [Name(o), Age(o)]),
        };
    }

    private static string AccessModes(JsonNode? modes) => string.Join(",", (modes?.AsArray() ?? []).Select(m => m?.ToString() switch
    {
        "ReadWriteOnce" => "RWO", "ReadOnlyMany" => "ROX", "ReadWriteMany" => "RWX", "ReadWriteOncePod" => "RWOP", var other => other ?? "",
    }));

    private static string Name(JsonObject o) => o["metadata"]?["name"]?.GetValue<string>() ?? "";

    private static string Roles(JsonObject node)
    {
        var roles = (node["metadata"]?["labels"] as JsonObject)?.Select(p => p.Key)
            .Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            .Select(k => k["node-role.kubernetes.io/".Length..]).ToList() ?? [];
        return roles.Count == 0 ? "<none>" : string.Join(",", roles);
    }

    private static string AgeOf(JsonObject o, DateTimeOffset now)
    {
        if (!DateTimeOffset.TryParse(o["metadata"]?["creationTimestamp"]?.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created))
            return "<unknown>";
        var age = now - created;
        return age.TotalDays >= 1 ? $"{(int)age.TotalDays}d" : age.TotalHours >= 1 ? $"{(int)age.TotalHours}h" : age.TotalMinutes >= 1 ? $"{(int)age.TotalMinutes}m" : $"{Math.Max(0, (int)age.TotalSeconds)}s";
    }
}
