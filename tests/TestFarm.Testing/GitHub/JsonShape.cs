using System.Text.Json;
using System.Text.Json.Nodes;

namespace TestFarm.Testing.GitHub;

/// <summary>
/// Checks a request body we send against GitHub's documented examples (the fixture files): every member we send
/// must appear in an example (or in <c>alsoDocumented</c>), with the same JSON kind, recursively.
/// </summary>
public static class JsonShape
{
    public static IReadOnlyList<string> Mismatches(JsonNode? actual, IEnumerable<JsonNode?> examples, IEnumerable<string>? alsoDocumented = null)
    {
        var problems = new List<string>();
        var extra = new HashSet<string>(alsoDocumented ?? [], StringComparer.Ordinal);
        Compare(actual, [.. examples.OfType<JsonNode>()], "$", problems, extra);
        return problems;
    }

    private static void Compare(JsonNode? actual, List<JsonNode> examples, string path, List<string> problems, HashSet<string> extra)
    {
        if (actual is null || examples.Count == 0) return;
        switch (actual)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    var matching = examples.OfType<JsonObject>().Where(e => e.ContainsKey(key)).Select(e => e[key]!).ToList();
                    if (matching.Count == 0)
                    {
                        if (!extra.Contains(key)) problems.Add($"{path}.{key} is not in GitHub's examples");
                        continue;
                    }
                    if (value is not null && matching.All(m => Kind(m) != Kind(value)))
                        problems.Add($"{path}.{key} is {Kind(value)}, GitHub's example has {Kind(matching[0])}");
                    Compare(value, matching, $"{path}.{key}", problems, extra);
                }
                break;
            case JsonArray array:
                var items = examples.OfType<JsonArray>().SelectMany(a => a).OfType<JsonNode>().ToList();
                for (var i = 0; i < array.Count; i++) Compare(array[i], items, $"{path}[{i}]", problems, extra);
                break;
        }
    }

    private static JsonValueKind Kind(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.True or JsonValueKind.False => JsonValueKind.True,
        var k => k,
    };
}
