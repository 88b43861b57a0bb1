using System.Globalization;
using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;

namespace TestFarm.Testing.Cluster;

/// <summary>
/// An in-memory Kubernetes API with just enough controllers for scenario tests: pods get scheduled and become
/// Ready after <see cref="PodStartDelay"/>, deleted pods that a workload owns come back (as a controller would),
/// PVCs on a known storage class bind, LoadBalancer services get an IP from the MetalLB pool, ClusterIP services
/// an address. Time comes from the given <see cref="TimeProvider"/>; state changes due at a time are applied
/// lazily on the next call. Every call is recorded in <see cref="Calls"/>.
/// </summary>
public sealed class FakeClusterApi(TimeProvider time) : IClusterApi
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly List<(DateTimeOffset At, Action<FakeClusterApi> Change)> _scheduled = [];
    private readonly List<string> _calls = [];
    private int _uid, _ips;

    public TimeSpan PodStartDelay { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Whether a deleted pod with an owner or an <c>app</c>/<c>k8s-app</c>/<c>component</c> label is recreated.</summary>
    public bool RecreateOwnedPods { get; set; } = true;
    /// <summary>Makes every call throw (an unreachable API server).</summary>
    public Exception? FailWith { get; set; }

    public IReadOnlyList<string> Calls { get { lock (_gate) return [.. _calls]; } }

    /// <summary>Runs <paramref name="change"/> once the clock reaches <paramref name="at"/>.</summary>
    public void At(DateTimeOffset at, Action<FakeClusterApi> change) { lock (_gate) _scheduled.Add((at, change)); }

    public Task<JsonObject?> GetAsync(ResourceRef resource, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Enter($"GET {resource.Kind.Kind} {resource.Namespace}/{resource.Name}", cancellationToken);
            return Task.FromResult(_objects.TryGetValue(Key(resource.Kind.ApiVersion, resource.Kind.Kind, resource.Namespace, resource.Name), out var o)
                ? Refresh(o).DeepClone().AsObject() : null);
        }
    }

    public Task<IReadOnlyList<JsonObject>> ListAsync(ResourceKind kind, string? ns = null, string? labelSelector = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Enter($"LIST {kind.Kind} {ns}?{labelSelector}", cancellationToken);
            var prefix = $"{kind.ApiVersion}|{kind.Kind}|";
            IReadOnlyList<JsonObject> list = _objects.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .Select(kv => Refresh(kv.Value))
                .Where(o => ns is null || Str(o, "metadata", "namespace") == ns)
                .Where(o => SelectorMatches(labelSelector, Labels(o)))
                .OrderBy(o => Str(o, "metadata", "name"), StringComparer.Ordinal)
                .Select(o => o.DeepClone().AsObject()).ToList();
            return Task.FromResult(list);
        }
    }

    public Task<JsonObject> ApplyAsync(JsonObject obj, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Enter($"APPLY {Str(obj, "kind")} {Str(obj, "metadata", "namespace")}/{Str(obj, "metadata", "name")}", cancellationToken);
            return Task.FromResult(Put(obj).DeepClone().AsObject());
        }
    }

    public Task<bool> DeleteAsync(ResourceRef resource, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Enter($"DELETE {resource.Kind.Kind} {resource.Namespace}/{resource.Name}", cancellationToken);
            var key = Key(resource.Kind.ApiVersion, resource.Kind.Kind, resource.Namespace, resource.Name);
            if (!_objects.Remove(key, out var gone)) return Task.FromResult(false);
            if (resource.Kind.Kind == "Namespace")
            {
                foreach (var k in _objects.Where(kv => Str(kv.Value, "metadata", "namespace") == resource.Name).Select(kv => kv.Key).ToList()) _objects.Remove(k);
            }
            if (resource.Kind.Kind == "Pod" && RecreateOwnedPods && IsOwned(gone)) Recreate(gone);
            return Task.FromResult(true);
        }
    }

    /// <summary>Stores an object as given (status included), without controllers; for seeding.</summary>
    public JsonObject Seed(JsonObject obj)
    {
        lock (_gate) return Store(obj.DeepClone().AsObject());
    }

    /// <summary>Objects currently stored of a kind (no call recorded).</summary>
    public IReadOnlyList<JsonObject> Snapshot(string kind)
    {
        lock (_gate) return _objects.Values.Where(o => Str(o, "kind") == kind).Select(o => Refresh(o).DeepClone().AsObject()).ToList();
    }

    /// <summary>Marks a node (and the pods on it) Ready or not, as a powered-off machine would look.</summary>
    public void SetNodeReady(string node, bool ready)
    {
        lock (_gate)
        {
            foreach (var o in _objects.Values.Where(o => Str(o, "kind") == "Node" && Str(o, "metadata", "name") == node))
                SetCondition(o, "Ready", ready);
            foreach (var pod in _objects.Values.Where(o => Str(o, "kind") == "Pod" && Str(o, "spec", "nodeName") == node))
            {
                pod["status"] = Status(ready ? "Running" : "Running", ready);
                pod.Remove("readyAt");
            }
        }
    }

    /// <summary>Sets a field path on a stored object (e.g. CephCluster status.ceph.health).</summary>
    public void Set(string apiVersion, string kind, string? ns, string name, string[] path, JsonNode? value)
    {
        lock (_gate)
        {
            var o = _objects[Key(apiVersion, kind, ns, name)];
            JsonObject cur = o;
            foreach (var p in path[..^1]) cur = (JsonObject)(cur[p] ??= new JsonObject());
            cur[path[^1]] = value;
        }
    }

    private void Enter(string call, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        _calls.Add(call);
        if (FailWith is not null) throw FailWith;
        var now = time.GetUtcNow();
        var due = _scheduled.Where(s => s.At <= now).OrderBy(s => s.At).ToList();
        foreach (var s in due) { _scheduled.Remove(s); s.Change(this); }
    }

    private JsonObject Refresh(JsonObject o)
    {
        if (o["readyAt"] is JsonValue v && DateTimeOffset.Parse(v.GetValue<string>(), CultureInfo.InvariantCulture) <= time.GetUtcNow())
        {
            o["status"] = Status("Running", true);
            o.Remove("readyAt");
        }
        return o;
    }

    private JsonObject Put(JsonObject obj)
    {
        var kind = Str(obj, "kind") ?? throw new ClusterApiException(400, "BadRequest", "kind is required");
        var key = Key(Str(obj, "apiVersion") ?? "v1", kind, Str(obj, "metadata", "namespace"), Str(obj, "metadata", "name") ?? throw new ClusterApiException(422, "Invalid", "metadata.name is required"));
        var ns = Str(obj, "metadata", "namespace");
        if (ns is not null && !_objects.ContainsKey(Key("v1", "Namespace", null, ns)))
            throw new ClusterApiException(404, "NotFound", $"namespaces \"{ns}\" not found");
        if (_objects.TryGetValue(key, out var existing))
        {
            Merge(existing, obj);
            return existing;
        }
        var stored = Store(obj.DeepClone().AsObject());
        React(stored);
        return stored;
    }

    private JsonObject Store(JsonObject o)
    {
        var meta = (JsonObject)(o["metadata"] ??= new JsonObject());
        meta["uid"] ??= $"uid-{++_uid}";
        meta["creationTimestamp"] ??= time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        _objects[Key(Str(o, "apiVersion") ?? "v1", Str(o, "kind")!, Str(o, "metadata", "namespace"), Str(o, "metadata", "name")!)] = o;
        return o;
    }

    private void React(JsonObject o)
    {
        switch (Str(o, "kind"))
        {
            case "Namespace": o["status"] = new JsonObject { ["phase"] = "Active" }; break;
            case "Pod":
                o["spec"]!["nodeName"] ??= PickNode();
                o["status"] = Status("Pending", false);
                o["readyAt"] = (time.GetUtcNow() + PodStartDelay).ToString("O", CultureInfo.InvariantCulture);
                break;
            case "PersistentVolumeClaim":
                var cls = Str(o, "spec", "storageClassName");
                var known = _objects.Values.Any(x => Str(x, "kind") == "StorageClass" && Str(x, "metadata", "name") == cls);
                o["status"] = new JsonObject { ["phase"] = known ? "Bound" : "Pending" };
                break;
            case "Service":
                o["spec"]!["clusterIP"] ??= $"10.96.{_ips / 250}.{(_ips++ % 250) + 1}";
                if (Str(o, "spec", "type") == "LoadBalancer" && PoolAddress() is { } ip)
                    o["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = ip }) } };
                break;
        }
    }

    private string? PoolAddress()
    {
        var pool = _objects.Values.FirstOrDefault(x => Str(x, "kind") == "IPAddressPool");
        var first = (pool?["spec"]?["addresses"] as JsonArray)?.FirstOrDefault()?.ToString();
        if (first is null) return null;
        var start = first.Split('-', '/')[0].Trim();
        var parts = start.Split('.');
        var used = _objects.Values.Count(x => Str(x, "kind") == "Service" && x["status"]?["loadBalancer"] is not null);
        return $"{parts[0]}.{parts[1]}.{parts[2]}.{int.Parse(parts[3], CultureInfo.InvariantCulture) + used}";
    }

    private string? PickNode()
    {
        var nodes = _objects.Values.Where(x => Str(x, "kind") == "Node" && x["spec"]?["unschedulable"]?.ToString() != "true"
                                                && (x["status"]?["conditions"] as JsonArray)?.Any(c => c?["type"]?.ToString() == "Ready" && c["status"]?.ToString() == "True") == true)
            .Select(x => Str(x, "metadata", "name")!).Order(StringComparer.Ordinal).ToList();
        return nodes.Count == 0 ? null : nodes[_uid % nodes.Count];
    }

    private void Recreate(JsonObject gone)
    {
        var copy = gone.DeepClone().AsObject();
        var meta = copy["metadata"]!.AsObject();
        var name = meta["name"]!.ToString();
        var dash = name.LastIndexOf('-');
        meta["name"] = $"{(dash > 0 ? name[..dash] : name)}-r{++_uid}";
        meta.Remove("uid");
        meta.Remove("creationTimestamp");
        copy["spec"]!.AsObject().Remove("nodeName");
        var stored = Store(copy);
        React(stored);
    }

    private static bool IsOwned(JsonObject pod) =>
        pod["metadata"]?["ownerReferences"] is JsonArray { Count: > 0 }
        || Labels(pod).Keys.Any(k => k is "app" or "k8s-app" or "component" or "app.kubernetes.io/name");

    private static JsonObject Status(string phase, bool ready) => new()
    {
        ["phase"] = phase,
        ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
    };

    private static void SetCondition(JsonObject o, string type, bool value)
    {
        var status = (JsonObject)(o["status"] ??= new JsonObject());
        var conditions = (JsonArray)(status["conditions"] ??= new JsonArray());
        var c = conditions.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.ToString() == type);
        if (c is null) conditions.Add(c = new JsonObject { ["type"] = type });
        c["status"] = value ? "True" : "False";
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (k, v) in patch.ToList())
        {
            if (v is JsonObject po && target[k] is JsonObject to) Merge(to, po);
            else target[k] = v?.DeepClone();
        }
    }

    private static string Key(string apiVersion, string kind, string? ns, string name) => $"{apiVersion}|{kind}|{ns}|{name}";

    private static string? Str(JsonNode? o, params string[] path)
    {
        foreach (var p in path) o = o is JsonObject obj ? obj[p] : null;
        return o?.ToString();
    }

    private static Dictionary<string, string> Labels(JsonObject o) =>
        o["metadata"]?["labels"] is JsonObject l ? l.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!.ToString()) : [];

    /// <summary>Equality (<c>=</c>, <c>==</c>, <c>!=</c>), set (<c>in</c>, <c>notin</c>) and existence (<c>k</c>, <c>!k</c>) terms.</summary>
    public static bool SelectorMatches(string? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (string.IsNullOrWhiteSpace(selector)) return true;
        foreach (var raw in SplitTerms(selector))
        {
            var t = raw.Trim();
            var set = System.Text.RegularExpressions.Regex.Match(t, @"^(\S+)\s+(in|notin)\s+\((.*)\)$");
            if (set.Success)
            {
                var values = set.Groups[3].Value.Split(',').Select(v => v.Trim()).ToHashSet();
                var has = labels.TryGetValue(set.Groups[1].Value, out var lv) && values.Contains(lv);
                if (set.Groups[2].Value == "in" ? !has : has) return false;
            }
            else if (t.Contains("!=", StringComparison.Ordinal))
            {
                var p = t.Split("!=", 2);
                if (labels.TryGetValue(p[0].Trim(), out var v) && v == p[1].Trim()) return false;
            }
            else if (t.Contains('=', StringComparison.Ordinal))
            {
                var p = t.Replace("==", "=", StringComparison.Ordinal).Split('=', 2);
                if (!labels.TryGetValue(p[0].Trim(), out var v) || v != p[1].Trim()) return false;
            }
            else if (t.StartsWith('!')) { if (labels.ContainsKey(t[1..])) return false; }
            else if (!labels.ContainsKey(t)) return false;
        }
        return true;
    }

    private static IEnumerable<string> SplitTerms(string s)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '(') depth++;
            else if (s[i] == ')') depth--;
            else if (s[i] == ',' && depth == 0) { yield return s[start..i]; start = i + 1; }
        }
        yield return s[start..];
    }
}
