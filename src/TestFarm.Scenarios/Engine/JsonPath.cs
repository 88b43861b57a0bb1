using System.Text.Json;
using System.Text.Json.Nodes;

namespace TestFarm.Scenarios.Engine;

/// <summary>Small, forgiving reads of Kubernetes objects.</summary>
public static class JsonPath
{
    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var p in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(p, out node)) return null;
        }
        return node;
    }

    public static string? Str(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : node.At(path)?.ToString();

    public static long? Long(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var l) ? l
        : long.TryParse(node.Str(path), System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : null;

    public static IEnumerable<JsonNode> Items(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonArray a ? a.Where(x => x is not null).Select(x => x!) : [];

    public static string Name(this JsonNode? obj) => obj.Str("metadata", "name") ?? "";

    public static IReadOnlyDictionary<string, string> Labels(this JsonNode? obj) =>
        obj.At("metadata", "labels") is JsonObject labels
            ? labels.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!.ToString(), StringComparer.Ordinal)
            : new Dictionary<string, string>();

    /// <summary>The status of a condition of the given type (<c>True</c>, <c>False</c>, <c>Unknown</c>), or null.</summary>
    public static string? Condition(this JsonNode? obj, string type) =>
        obj.Items("status", "conditions").FirstOrDefault(c => c.Str("type") == type).Str("status");

    /// <summary>Running (or Succeeded) with the Ready condition true (Succeeded pods count as done).</summary>
    public static bool PodReady(this JsonNode? pod) => pod.Str("status", "phase") switch
    {
        "Succeeded" => true,
        "Running" => pod.Condition("Ready") == "True",
        _ => false,
    };

    public static bool NodeReady(this JsonNode? node) => node.Condition("Ready") == "True";
}
