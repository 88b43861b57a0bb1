using System.Globalization;
using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>What the API server does to an object on its way in: defaults, CRD registration, cluster IPs.</summary>
public sealed class Admission
{
    private readonly ResourceCatalog _catalog;
    private readonly ObjectStore _store;
    private int _nextClusterIp = 10;

    public Admission(ResourceCatalog catalog, ObjectStore store)
    {
        _catalog = catalog;
        _store = store;
    }

    public void Validate(ResourceType type, JsonObject obj, ApiPath path)
    {
        var kind = obj["kind"]?.GetValue<string>();
        var apiVersion = obj["apiVersion"]?.GetValue<string>();
        if (kind is not null && kind != type.Kind)
            throw new ApiStatusException(400, "BadRequest", $"the kind \"{kind}\" in the body does not match the URL's resource {type.Plural} ({type.Kind})");
        if (apiVersion is not null && apiVersion != type.GroupVersion)
            throw new ApiStatusException(400, "BadRequest", $"the apiVersion \"{apiVersion}\" in the body does not match the URL's {type.GroupVersion}");
        var name = obj["metadata"]?["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name)) throw new ApiStatusException(422, "Invalid", $"{type.Kind}.metadata.name: Required value: name is required");
        if (path.Name is not null && path.Name != name)
            throw new ApiStatusException(400, "BadRequest", $"the name of the object ({name}) does not match the name on the URL ({path.Name})");
        if (type.Namespaced)
        {
            var ns = path.Namespace ?? obj["metadata"]?["namespace"]?.GetValue<string>() ?? "default";
            var bodyNs = obj["metadata"]?["namespace"]?.GetValue<string>();
            if (bodyNs is not null && bodyNs != ns)
                throw new ApiStatusException(400, "BadRequest", $"the namespace of the object ({bodyNs}) does not match the namespace on the request ({ns})");
            obj["metadata"]!["namespace"] = ns;
            var nsType = _catalog.Find("", "v1", "namespaces")!;
            if (_store.Get(nsType, null, ns) is null)
                throw new ApiStatusException(404, "NotFound", $"namespaces \"{ns}\" not found",
                    new JsonObject { ["name"] = ns, ["kind"] = "namespaces" });
        }
    }

    /// <summary>Fills defaults and side effects before the object is stored.</summary>
    public void Default(ResourceType type, JsonObject obj)
    {
        obj["apiVersion"] = type.GroupVersion;
        obj["kind"] = type.Kind;
        switch (type.Kind)
        {
            case "Namespace":
                obj["status"] = new JsonObject { ["phase"] = "Active" };
                break;
            case "Service":
                var spec = obj["spec"] as JsonObject ?? (JsonObject)(obj["spec"] = new JsonObject());
                spec["type"] ??= "ClusterIP";
                if (spec["clusterIP"] is null && spec["type"]!.GetValue<string>() != "ExternalName")
                {
                    var ip = $"10.96.{_nextClusterIp / 250}.{(_nextClusterIp % 250) + 1}";
                    _nextClusterIp++;
                    spec["clusterIP"] = ip;
                    spec["clusterIPs"] = new JsonArray(ip);
                }
                break;
            case "Deployment" or "StatefulSet" or "ReplicaSet":
                if (obj["spec"] is JsonObject s) s["replicas"] ??= 1;
                break;
            case "Pod":
                obj["status"] ??= new JsonObject { ["phase"] = "Pending" };
                break;
            case "CustomResourceDefinition":
                _catalog.Register(obj);
                var now = _store.Now;
                var names = obj["spec"]?["names"]?.DeepClone();
                obj["status"] = new JsonObject
                {
                    ["conditions"] = new JsonArray(
                        Condition("NamesAccepted", "NoConflicts", now),
                        Condition("Established", "InitialNamesAccepted", now)),
                    ["acceptedNames"] = names,
                    ["storedVersions"] = new JsonArray((obj["spec"]?["versions"]?.AsArray() ?? [])
                        .Where(v => v?["storage"]?.GetValue<bool>() == true)
                        .Select(v => (JsonNode)v!["name"]!.GetValue<string>()).ToArray()),
                };
                break;
        }
    }

    public static JsonObject Condition(string type, string reason, string now, string status = "True") => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["reason"] = reason,
        ["message"] = reason,
        ["lastTransitionTime"] = now,
        ["lastUpdateTime"] = now,
    };

    public static int Int(JsonNode? node, int fallback) =>
        node is null ? fallback : int.Parse(node.ToString(), CultureInfo.InvariantCulture);
}
