using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>
/// Server-side apply, simplified: field ownership per manager at leaf granularity (lists are atomic),
/// conflicts when another manager owns a field the applier sets to a different value, kept in
/// <c>metadata.managedFields</c> as FieldsV1.
/// </summary>
public static class ServerSideApply
{
    private static readonly HashSet<string> Unowned = ["apiVersion", "kind", "status"];
    private static readonly HashSet<string> UnownedMeta =
        ["name", "namespace", "resourceVersion", "managedFields", "uid", "creationTimestamp", "generation"];

    public static JsonObject Apply(JsonObject? existing, JsonObject applied, string manager, bool force, string now)
    {
        var appliedPaths = Paths(applied);
        var result = existing is null ? new JsonObject() : (JsonObject)existing.DeepClone();
        var entries = ManagedEntries(existing);

        var conflicts = new List<(string Manager, string Path)>();
        foreach (var (other, owned) in entries.Where(e => e.Key != manager))
        {
            foreach (var path in appliedPaths.Where(owned.Contains))
            {
                if (!JsonNode.DeepEquals(At(existing, path), At(applied, path))) conflicts.Add((other, path));
            }
        }
        if (conflicts.Count > 0 && !force)
        {
            var causes = new JsonArray(conflicts.Select(c => (JsonNode)new JsonObject
            {
                ["type"] = "FieldManagerConflict",
                ["message"] = $"conflict with \"{c.Manager}\"",
                ["field"] = Render(c.Path),
            }).ToArray());
            var list = string.Join(", ", conflicts.Select(c => $"conflict with \"{c.Manager}\": {Render(c.Path)}"));
            throw new ApiStatusException(409, "Conflict", $"Apply failed with {conflicts.Count} conflict{(conflicts.Count == 1 ? "" : "s")}: {list}",
                new JsonObject { ["causes"] = causes });
        }
        foreach (var (other, path) in conflicts) entries[other].Remove(path);

        // Fields this manager set before, drops now, and nobody else owns: removed.
        if (entries.TryGetValue(manager, out var before))
        {
            foreach (var path in before.Where(p => !appliedPaths.Contains(p) && !entries.Any(e => e.Key != manager && e.Value.Contains(p))))
            {
                Remove(result, path);
            }
        }
        Merge(result, applied);
        entries[manager] = appliedPaths;
        WriteManaged(result, entries, manager, "Apply", applied["apiVersion"]?.GetValue<string>() ?? "v1", now, existing);
        return result;
    }

    /// <summary>Records an Update (create/replace) by <paramref name="manager"/> over the fields it wrote.</summary>
    public static void RecordUpdate(JsonObject? existing, JsonObject written, string manager, string now)
    {
        var entries = ManagedEntries(existing);
        entries[manager] = Paths(written);
        WriteManaged(written, entries, manager, "Update", written["apiVersion"]?.GetValue<string>() ?? "v1", now, existing);
    }

    private static void WriteManaged(JsonObject target, Dictionary<string, HashSet<string>> entries, string manager,
        string operation, string apiVersion, string now, JsonObject? existing)
    {
        var old = existing?["metadata"]?["managedFields"]?.AsArray().OfType<JsonObject>()
            .ToDictionary(e => e["manager"]?.GetValue<string>() ?? "", e => e) ?? [];
        var array = new JsonArray();
        foreach (var (name, paths) in entries.Where(e => e.Value.Count > 0).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var isCurrent = name == manager;
            array.Add(new JsonObject
            {
                ["manager"] = name,
                ["operation"] = isCurrent ? operation : old.GetValueOrDefault(name)?["operation"]?.GetValue<string>() ?? "Update",
                ["apiVersion"] = isCurrent ? apiVersion : old.GetValueOrDefault(name)?["apiVersion"]?.GetValue<string>() ?? apiVersion,
                ["time"] = isCurrent ? now : old.GetValueOrDefault(name)?["time"]?.GetValue<string>() ?? now,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = ToFieldsV1(paths),
            });
        }
        if (target["metadata"] is not JsonObject meta) target["metadata"] = meta = new JsonObject();
        meta["managedFields"] = array;
    }

    private static Dictionary<string, HashSet<string>> ManagedEntries(JsonObject? obj)
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var e in obj?["metadata"]?["managedFields"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var name = e["manager"]?.GetValue<string>() ?? "";
            var set = result.TryGetValue(name, out var s) ? s : result[name] = [];
            if (e["fieldsV1"] is JsonObject f) FromFieldsV1(f, "", set);
        }
        return result;
    }

    /// <summary>Leaf paths of an object, segments joined by '\n'.</summary>
    public static HashSet<string> Paths(JsonObject obj)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (Unowned.Contains(key)) continue;
            if (key == "metadata" && value is JsonObject meta)
            {
                foreach (var (mk, mv) in meta)
                {
                    if (!UnownedMeta.Contains(mk)) Collect(mv, "metadata\n" + mk, set);
                }
                continue;
            }
            Collect(value, key, set);
        }
        return set;
    }

    private static void Collect(JsonNode? node, string prefix, HashSet<string> set)
    {
        if (node is JsonObject o && o.Count > 0)
        {
            foreach (var (k, v) in o) Collect(v, prefix + "\n" + k, set);
        }
        else set.Add(prefix);
    }

    private static JsonNode? At(JsonObject? obj, string path)
    {
        JsonNode? node = obj;
        foreach (var segment in path.Split('\n')) node = node is JsonObject o ? o[segment] : null;
        return node;
    }

    private static void Remove(JsonObject obj, string path)
    {
        var segments = path.Split('\n');
        JsonNode? node = obj;
        foreach (var s in segments[..^1]) node = node is JsonObject o ? o[s] : null;
        (node as JsonObject)?.Remove(segments[^1]);
    }

    private static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            if (value is JsonObject so && target[key] is JsonObject to) Merge(to, so);
            else target[key] = value?.DeepClone();
        }
    }

    private static string Render(string path) => "." + path.Replace('\n', '.');

    private static JsonObject ToFieldsV1(IEnumerable<string> paths)
    {
        var root = new JsonObject();
        foreach (var path in paths.Order(StringComparer.Ordinal))
        {
            var node = root;
            foreach (var segment in path.Split('\n'))
            {
                var key = "f:" + segment;
                if (node[key] is not JsonObject next) node[key] = next = new JsonObject();
                node = next;
            }
        }
        return root;
    }

    private static void FromFieldsV1(JsonObject node, string prefix, HashSet<string> set)
    {
        foreach (var (key, value) in node)
        {
            var name = key.StartsWith("f:", StringComparison.Ordinal) ? key[2..] : key;
            var path = prefix.Length == 0 ? name : prefix + "\n" + name;
            if (value is JsonObject child && child.Count > 0) FromFieldsV1(child, path, set);
            else set.Add(path);
        }
    }
}
