using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>Label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors (metadata.name/namespace, spec.nodeName).</summary>
public static class Selectors
{
    public static Func<JsonObject, bool> Labels(string? selector)
    {
        Func<IReadOnlyDictionary<string, string>, bool> matches;
        try { matches = Core.Cluster.LabelSelector.Compile(selector); }
        catch (FormatException ex) { throw new ApiStatusException(400, "BadRequest", $"unable to parse requirement: {ex.Message}"); }
        return o => matches(LabelsOf(o));
    }

    public static Func<JsonObject, bool> Fields(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector)) return _ => true;
        var tests = new List<Func<JsonObject, bool>>();
        foreach (var part in selector.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var negate = part.Contains("!=", StringComparison.Ordinal);
            var (field, value) = Pair(part, negate ? "!=" : part.Contains("==", StringComparison.Ordinal) ? "==" : "=");
            Func<JsonObject, string?> read = field switch
            {
                "metadata.name" => o => o["metadata"]?["name"]?.GetValue<string>(),
                "metadata.namespace" => o => o["metadata"]?["namespace"]?.GetValue<string>(),
                "spec.nodeName" => o => o["spec"]?["nodeName"]?.GetValue<string>(),
                "status.phase" => o => o["status"]?["phase"]?.GetValue<string>(),
                _ => throw new ApiStatusException(400, "BadRequest", $"field label not supported: {field}"),
            };
            tests.Add(o => (read(o) ?? "") == value != negate);
        }
        return o => tests.All(t => t(o));
    }

    public static Dictionary<string, string> LabelsOf(JsonObject o) =>
        (o["metadata"]?["labels"] as JsonObject)?.Where(p => p.Value is not null)
            .ToDictionary(p => p.Key, p => p.Value!.ToString(), StringComparer.Ordinal) ?? [];

    /// <summary>True when every key/value of <paramref name="selector"/> (matchLabels) is on <paramref name="labels"/>.</summary>
    public static bool Matches(JsonObject? selector, IReadOnlyDictionary<string, string> labels) =>
        selector is null || selector.All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value?.ToString());

    private static (string, string) Pair(string part, string op)
    {
        var i = part.IndexOf(op, StringComparison.Ordinal);
        return (part[..i].Trim(), part[(i + op.Length)..].Trim());
    }

}
