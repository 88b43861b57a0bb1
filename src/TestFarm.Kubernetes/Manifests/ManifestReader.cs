using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using k8s;

namespace TestFarm.Kubernetes.Manifests;

/// <summary>One object of a multi-document manifest, with where it came from.</summary>
public sealed record ManifestDocument(string Source, int Index, int Line, JsonObject Object)
{
    public string ApiVersion => Object["apiVersion"]!.GetValue<string>();
    public string Kind => Object["kind"]!.GetValue<string>();
    public string Name => Object["metadata"]?["name"]?.GetValue<string>() ?? "";
    public string? Namespace => Object["metadata"]?["namespace"]?.GetValue<string>();
    public string Where => $"{Source}: document {Index} (line {Line})";
}

/// <summary>A problem in one manifest document.</summary>
public sealed record ManifestError(string Source, int Index, int Line, string Message)
{
    public override string ToString() => $"{Source}: document {Index} (line {Line}): {Message}";
}

/// <summary>Manifests refused; every problem found is listed, each with document index and line.</summary>
public sealed class ManifestException : Exception
{
    public ManifestException(IReadOnlyList<ManifestError> errors)
        : base(string.Join(Environment.NewLine, errors.Select(e => e.ToString()))) => Errors = errors;

    public ManifestException() : this([]) { }
    public ManifestException(string message) : base(message) => Errors = [];
    public ManifestException(string message, Exception inner) : base(message, inner) => Errors = [];

    public IReadOnlyList<ManifestError> Errors { get; }
}

/// <summary>
/// Reads multi-document YAML into JSON objects, each document parsed by KubernetesClient's <see cref="KubernetesYaml"/>. Documents are numbered from 1 among non-empty ones;
/// bad YAML, non-mappings and missing apiVersion/kind/metadata.name are collected, then refused together.
/// </summary>
public static class ManifestReader
{
    public static IReadOnlyList<ManifestDocument> ReadFile(string path) => Parse(File.ReadAllText(path), path);

    public static IReadOnlyList<ManifestDocument> Parse(string text, string source)
    {
        var documents = new List<ManifestDocument>();
        var errors = new List<ManifestError>();
        var index = 0;
        foreach (var (chunk, firstLine) in Split(text))
        {
            if (chunk.Split('\n').All(l => l.Trim().Length == 0 || l.TrimStart().StartsWith('#'))) continue;
            index++;
            JsonNode? converted;
            int docLine;
            try
            {
                var root = KubernetesYaml.Deserialize<object?>(chunk, strict: true);
                if (root is null) { index--; continue; }
                docLine = firstLine + FirstContentLine(chunk);
                converted = ToJson(root);
            }
            catch (YamlException e)
            {
                var lastLine = firstLine + chunk.TrimEnd('\n').Split('\n').Length - 1;
                var line = Math.Min(firstLine + (int)e.Start.Line - 1, lastLine);
                var what = Inner(e);
                errors.Add(new ManifestError(source, index, line, what.Contains("Duplicate key", StringComparison.OrdinalIgnoreCase)
                    ? "duplicate key: " + what
                    : $"invalid YAML at line {line}, column {e.Start.Column}: {what}"));
                continue;
            }
            if (converted is not JsonObject obj)
            {
                errors.Add(new ManifestError(source, index, docLine, "a manifest document must be a mapping"));
                continue;
            }
            var problems = new List<string>();
            if (obj["apiVersion"] is not JsonValue av || av.GetValueKind() != System.Text.Json.JsonValueKind.String) problems.Add("missing apiVersion");
            if (obj["kind"] is not JsonValue k || k.GetValueKind() != System.Text.Json.JsonValueKind.String) problems.Add("missing kind");
            if (obj["metadata"]?["name"] is null && obj["metadata"]?["generateName"] is null) problems.Add("missing metadata.name");
            if (problems.Count > 0)
            {
                errors.Add(new ManifestError(source, index, docLine, string.Join("; ", problems)));
                continue;
            }
            documents.Add(new ManifestDocument(source, index, docLine, obj));
        }
        if (errors.Count > 0) throw new ManifestException(errors);
        return documents;
    }

    private static string Inner(YamlException e) => e.InnerException is YamlException i ? i.Message : e.Message;

    /// <summary>Splits on "---" lines (at column 0), keeping each chunk's first line number.</summary>
    private static IEnumerable<(string Chunk, int FirstLine)> Split(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var current = new StringBuilder();
        var start = 1;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("---", StringComparison.Ordinal) && (lines[i].Length == 3 || char.IsWhiteSpace(lines[i][3])))
            {
                yield return (current.ToString(), start);
                current.Clear();
                start = i + 2;
                var rest = lines[i][3..].Trim();
                if (rest.Length > 0 && !rest.StartsWith('#')) { current.Append(rest).Append('\n'); start = i + 1; }
                continue;
            }
            if (lines[i].StartsWith("...", StringComparison.Ordinal)) continue;
            current.Append(lines[i]).Append('\n');
        }
        yield return (current.ToString(), start);
    }

    /// <summary>Line (0-based within the chunk) of the document's first non-comment content.</summary>
    private static int FirstContentLine(string chunk)
    {
        var lines = chunk.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var t = lines[i].Trim();
            if (t.Length > 0 && !t.StartsWith('#')) return i;
        }
        return 0;
    }

    /// <summary>The library's YAML object graph (mappings, sequences, typed scalars) as JSON.</summary>
    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        IDictionary<object, object?> m => new JsonObject(m.Select(kv => KeyValuePair.Create(Convert.ToString(kv.Key, CultureInfo.InvariantCulture) ?? "", ToJson(kv.Value)))),
        IList<object?> l => new JsonArray([.. l.Select(ToJson)]),
        string str => JsonValue.Create(str),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create((long)i),
        long i => JsonValue.Create(i),
        ulong u => JsonValue.Create(u),
        double d => JsonValue.Create(d),
        float f => JsonValue.Create((double)f),
        decimal d => JsonValue.Create(d),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };
}
