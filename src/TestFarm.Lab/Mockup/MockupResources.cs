using System.Text.Json;
using System.Text.Json.Nodes;

namespace TestFarm.Lab.Mockup;

/// <summary>
/// The bodies a replay server serves, keyed by path without case or trailing slash. Loaded from a
/// DMTF mockup folder (<c>DIR/index.json</c> is the ServiceRoot, <c>DIR/X/index.json</c> the body of
/// <c>/redfish/v1/X</c>) or, when there is no <c>DIR/index.json</c>, from loose fixture files placed at
/// their own <c>@odata.id</c> (the shortest file name wins a tie; collections with no file are synthesised).
/// </summary>
public sealed class MockupResources
{
    private readonly Dictionary<string, Resource> _byKey = new(StringComparer.Ordinal);

    public sealed class Resource(string id, JsonObject body, string source)
    {
        public string Id { get; } = id;
        public JsonObject Body { get; set; } = body;
        public string Source { get; } = source;
        public int Generation { get; set; } = 1;
    }

    public static string Key(string path)
    {
        var p = path.Split('#', '?')[0].TrimEnd('/').ToLowerInvariant();
        return p.Length == 0 ? "/" : p;
    }

    public IReadOnlyCollection<Resource> All => _byKey.Values;

    public Resource? Find(string path) => _byKey.GetValueOrDefault(Key(path));

    public static MockupResources Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"mockup folder {directory} does not exist");
        var resources = new MockupResources();
        if (File.Exists(Path.Combine(directory, "index.json"))) resources.LoadLayout(directory);
        else resources.LoadLoose(directory);
        if (resources.Find("/redfish/v1") is null)
            throw new InvalidDataException($"mockup folder {directory} has no ServiceRoot (index.json, or a file whose @odata.id is /redfish/v1)");
        return resources;
    }

    private void LoadLayout(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "index.json", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(directory, Path.GetDirectoryName(file)!).Replace('\\', '/');
            var path = relative == "." ? "/redfish/v1" : "/redfish/v1/" + relative;
            if (Parse(file) is { } body) _byKey[Key(path)] = new Resource(path, body, file);
        }
    }

    private void LoadLoose(string directory)
    {
        var files = Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories)
            .OrderBy(f => Path.GetFileName(f).Length).ThenBy(f => f, StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (Parse(file) is not { } body) continue;
            if (body["@odata.id"] is not JsonValue idValue || !idValue.TryGetValue<string>(out var id)) continue;
            if (!id.StartsWith("/redfish/v1", StringComparison.OrdinalIgnoreCase) || id.Contains('#', StringComparison.Ordinal)) continue;
            _byKey.TryAdd(Key(id), new Resource(id, body, file));
        }
    }

    private static JsonObject? Parse(string file)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(file), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true }) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A collection for a path no file provides but some resources sit directly under (loose fixtures lack them).</summary>
    public JsonObject? SynthesiseCollection(string path)
    {
        var key = Key(path);
        var members = _byKey.Values.Where(r => Key(r.Id) is var k && k.StartsWith(key + "/", StringComparison.Ordinal) && !k[(key.Length + 1)..].Contains('/', StringComparison.Ordinal))
            .OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        if (members.Count == 0) return null;
        var array = new JsonArray();
        foreach (var m in members) array.Add(new JsonObject { ["@odata.id"] = m.Id });
        return new JsonObject
        {
            ["@odata.id"] = path,
            ["Name"] = "Collection synthesised by the replay server",
            ["Members"] = array,
            ["Members@odata.count"] = members.Count,
        };
    }

    /// <summary>Every action target: path key → (resource, action name).</summary>
    public (Resource Resource, string Action)? FindAction(string path)
    {
        var key = Key(path);
        foreach (var r in _byKey.Values)
        {
            foreach (var (name, action) in Actions(r.Body))
            {
                if (action["target"] is JsonValue t && t.TryGetValue<string>(out var target) && Key(target) == key) return (r, name);
            }
        }
        return null;
    }

    private static IEnumerable<(string Name, JsonObject Action)> Actions(JsonObject body)
    {
        if (body["Actions"] is not JsonObject actions) yield break;
        foreach (var (name, node) in actions)
        {
            if (node is JsonObject a && name.StartsWith('#')) yield return (name, a);
        }
        if (actions["Oem"] is JsonObject oem)
        {
            foreach (var (name, node) in oem)
            {
                if (node is JsonObject a && name.StartsWith('#')) yield return (name, a);
            }
        }
    }
}
