using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>get, list, create, replace, patch (apply, merge), delete (with propagation) and pod logs.</summary>
public sealed class ResourceHandlers
{
    private readonly ResourceCatalog _catalog;
    private readonly ObjectStore _store;
    private readonly Admission _admission;

    public ResourceHandlers(ResourceCatalog catalog, ObjectStore store, Admission admission)
    {
        _catalog = catalog;
        _store = store;
        _admission = admission;
    }

    public long ResourceVersion => _store.ResourceVersion;

    public DateTimeOffset Now => _store.Clock.GetUtcNow();

    public JsonObject List(ResourceType type, ApiPath path, string? labelSelector, string? fieldSelector)
    {
        var labels = Selectors.Labels(labelSelector);
        var fields = Selectors.Fields(fieldSelector);
        var version = _store.ResourceVersion;
        var items = _store.List(type, path.Namespace).Where(o => labels(o) && fields(o)).Select(o => WithVersion(type, o));
        return new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.GroupVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["items"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray()),
        };
    }

    public JsonObject Get(ResourceType type, ApiPath path) =>
        WithVersion(type, _store.Get(type, path.Namespace, path.Name!) ?? throw ApiStatusException.NotFound(type, path.Name!));

    public JsonObject Create(ResourceType type, ApiPath path, JsonObject body, string manager)
    {
        lock (_store.WriteGate)
        {
            _admission.Validate(type, body, path);
            var name = body["metadata"]!["name"]!.GetValue<string>();
            if (_store.Get(type, path.Namespace ?? body["metadata"]?["namespace"]?.GetValue<string>(), name) is not null)
                throw new ApiStatusException(409, "AlreadyExists", $"{type.Plural} \"{name}\" already exists",
                    new JsonObject { ["name"] = name, ["kind"] = type.Plural });
            _admission.Default(type, body);
            ServerSideApply.RecordUpdate(null, body, manager, _store.Now);
            return WithVersion(type, _store.Put(type, body));
        }
    }

    public JsonObject Replace(ResourceType type, ApiPath path, JsonObject body, string manager)
    {
        lock (_store.WriteGate)
        {
            var existing = _store.Get(type, path.Namespace, path.Name!) ?? throw ApiStatusException.NotFound(type, path.Name!);
            if (path.Subresource == "status")
            {
                existing["status"] = body["status"]?.DeepClone();
                return WithVersion(type, _store.Put(type, existing));
            }
            _admission.Validate(type, body, path);
            _admission.Default(type, body);
            body["status"] ??= existing["status"]?.DeepClone();
            ServerSideApply.RecordUpdate(existing, body, manager, _store.Now);
            return WithVersion(type, _store.Put(type, body));
        }
    }

    public JsonObject Patch(ResourceType type, ApiPath path, string contentType, JsonObject body, string manager, bool force)
    {
        lock (_store.WriteGate)
        {
            var existing = _store.Get(type, path.Namespace, path.Name!);
            if (contentType.StartsWith("application/apply-patch", StringComparison.Ordinal))
            {
                if (path.Subresource == "status")
                {
                    var current = existing ?? throw ApiStatusException.NotFound(type, path.Name!);
                    current["status"] = body["status"]?.DeepClone();
                    return WithVersion(type, _store.Put(type, current));
                }
                if (body["kind"] is null || body["apiVersion"] is null)
                    throw new ApiStatusException(400, "BadRequest", "apply patches need apiVersion and kind");
                _admission.Validate(type, body, path);
                var merged = ServerSideApply.Apply(existing, body, manager, force, _store.Now);
                merged["status"] = existing?["status"]?.DeepClone();
                _admission.Default(type, merged);
                return WithVersion(type, _store.Put(type, merged));
            }
            if (contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal)
                || contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal))
            {
                var current = existing ?? throw ApiStatusException.NotFound(type, path.Name!);
                MergePatch(current, body);
                return WithVersion(type, _store.Put(type, current));
            }
            throw new ApiStatusException(415, "UnsupportedMediaType", $"the patch type \"{contentType}\" is not supported by the simulated API server");
        }
    }

    public JsonObject Delete(ResourceType type, ApiPath path, string? propagation, JsonObject? options)
    {
        lock (_store.WriteGate)
        {
            propagation ??= options?["propagationPolicy"]?.GetValue<string>() ?? "Background";
            var deleted = _store.Delete(type, path.Namespace, path.Name!) ?? throw ApiStatusException.NotFound(type, path.Name!);
            if (type.Kind == "CustomResourceDefinition")
            {
                foreach (var t in _catalog.All.Where(t => t.Group == deleted["spec"]?["group"]?.GetValue<string>()
                                                        && t.Plural == deleted["spec"]?["names"]?["plural"]?.GetValue<string>()))
                {
                    foreach (var o in _store.List(t, null)) _store.Delete(t, o["metadata"]?["namespace"]?.GetValue<string>(), Name(o));
                }
                _catalog.Unregister(deleted);
            }
            if (type.Kind == "Namespace")
            {
                foreach (var t in _catalog.All.Where(t => t.Namespaced))
                {
                    foreach (var o in _store.List(t, path.Name)) _store.Delete(t, path.Name, Name(o));
                }
            }
            if (propagation != "Orphan") DeleteDependents(deleted["metadata"]?["uid"]?.GetValue<string>());
            return WithVersion(type, deleted);
        }
    }

    private void DeleteDependents(string? uid)
    {
        if (uid is null) return;
        foreach (var t in _catalog.All.Where(t => t.Namespaced))
        {
            foreach (var o in _store.List(t, null))
            {
                var owners = o["metadata"]?["ownerReferences"]?.AsArray() ?? [];
                if (!owners.Any(r => r?["uid"]?.GetValue<string>() == uid)) continue;
                var deleted = _store.Delete(t, o["metadata"]?["namespace"]?.GetValue<string>(), Name(o));
                DeleteDependents(deleted?["metadata"]?["uid"]?.GetValue<string>());
            }
        }
    }

    public string PodLog(ResourceType type, ApiPath path)
    {
        var pod = _store.Get(type, path.Namespace, path.Name!) ?? throw ApiStatusException.NotFound(type, path.Name!);
        var image = pod["spec"]?["containers"]?[0]?["image"]?.GetValue<string>() ?? "unknown";
        var phase = pod["status"]?["phase"]?.GetValue<string>() ?? "Pending";
        return $"[testfarm-simulation] pod {path.Namespace}/{path.Name} image {image}\n" +
               $"[testfarm-simulation] phase {phase}; no real container runs in the simulated cluster\n";
    }

    private static string Name(JsonObject o) => o["metadata"]!["name"]!.GetValue<string>();

    private static JsonObject WithVersion(ResourceType type, JsonObject o)
    {
        o["apiVersion"] = type.GroupVersion;
        o["kind"] = type.Kind;
        return o;
    }

    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null) target.Remove(key);
            else if (value is JsonObject po && target[key] is JsonObject to) MergePatch(to, po);
            else target[key] = value.DeepClone();
        }
    }
}
