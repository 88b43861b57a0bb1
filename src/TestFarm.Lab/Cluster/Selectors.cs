using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TestFarm.Lab.Cluster;

/// <summary>Label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors (metadata.name/namespace, spec.nodeName).</summary>
public static partial class Selectors
{
    [GeneratedRegex(@"^\s*(?<key>[^\s!=]+)\s+(?<op>in|notin)\s+\((?<values>[^)]*)\)\s*$")]
    private static partial Regex SetRequirement();

    public static Func<JsonObject, bool> Labels(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector)) return _ => true;
        var tests = new List<Func<IReadOnlyDictionary<string, string>, bool>>();
        foreach (var part in SplitTopLevel(selector))
        {
            var set = SetRequirement().Match(part);
            if (set.Success)
            {
                var key = set.Groups["key"].Value;
                var values = set.Groups["values"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                var negate = set.Groups["op"].Value == "notin";
                tests.Add(l => l.TryGetValue(key, out var v) ? values.Contains(v) != negate : negate);
            }
            else if (part.Contains("!=", StringComparison.Ordinal))
            {
                var (k, v) = Pair(part, "!=");
                tests.Add(l => !l.TryGetValue(k, out var x) || x != v);
            }
            else if (part.Contains('=', StringComparison.Ordinal))
            {
                var (k, v) = Pair(part, part.Contains("==", StringComparison.Ordinal) ? "==" : "=");
                tests.Add(l => l.TryGetValue(k, out var x) && x == v);
            }
            else if (part.StartsWith('!'))
            {
                var k = part[1..].Trim();
                tests.Add(l => !l.ContainsKey(k));
            }
            else
            {
                var k = part.Trim();
                if (k.Length == 0 || k.Contains(' ', StringComparison.Ordinal))
                    throw new ApiStatusException(400, "BadRequest", $"unable to parse requirement: \"{part}\"");
                tests.Add(l => l.ContainsKey(k));
            }
        }
        return o =>
        {
            var labels = LabelsOf(o);
            return tests.All(t => t(labels));
        };
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

    private static IEnumerable<string> SplitTopLevel(string s)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '(') depth++;
            else if (s[i] == ')') depth--;
            else if (s[i] == ',' && depth == 0)
            {
                yield return s[start..i];
                start = i + 1;
            }
        }
        yield return s[start..];
    }
}
