using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TestFarm.Configuration;

/// <summary>
/// Reads one YAML file node by node, keeping every node's position, and collects every error it sees
/// instead of stopping at the first.
/// </summary>
internal sealed partial class YamlReader(string file)
{
    public string File { get; } = file;
    public List<ConfigError> Errors { get; } = [];
    public Dictionary<string, SourcePosition> Positions { get; } = new(StringComparer.Ordinal);
    private string[]? _lines;

    /// <summary>The root node of the single document in <paramref name="text"/>, or null (with an error) when there is none.</summary>
    public YamlNode? Parse(string text)
    {
        _lines = LineBreak().Split(text);
        var stream = new YamlStream();
        var parser = new BoundedParser(text);
        try
        {
            stream.Load(parser);
        }
        catch (NestingTooDeepException e)
        {
            Errors.Add(At(e.Start, text, e.Message));
            return null;
        }
        catch (YamlException e)
        {
            var message = e.InnerException is { } inner ? $"{e.Message}: {inner.Message}" : e.Message;
            message = message.StartsWith("Duplicate key ", StringComparison.Ordinal)
                ? $"duplicate field '{message["Duplicate key ".Length..]}'"
                : $"YAML syntax error: {message}";
            Errors.Add(At(e.Start, text, message));
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            // The scanner raises some errors without a position: report where the parser had got to.
            Errors.Add(At(parser.Reached, text, $"YAML syntax error after this point: {e.Message}"));
            return null;
        }
        if (stream.Documents.Count == 0)
        {
            Errors.Add(new(File, 1, 1, "file is empty"));
            return null;
        }
        if (stream.Documents.Count > 1)
            Error(stream.Documents[1].RootNode, "only one YAML document per file is allowed");
        var root = stream.Documents[0].RootNode;
        Record("", root);
        return root;
    }

    /// <summary>Hands every error to <paramref name="sink"/> in the order of their place in the file.</summary>
    public void Flush(ICollection<ConfigError> sink)
    {
        foreach (var e in Errors.OrderBy(e => e.Line).ThenBy(e => e.Column)) sink.Add(e);
    }

    /// <summary>An error at <paramref name="mark"/>; the parser places end-of-file errors past the last line, they go to its end.</summary>
    private ConfigError At(Mark mark, string text, string message)
    {
        var (line, column) = Place(mark, _lines ?? LineBreak().Split(text));
        return new(File, line, column, message);
    }

    /// <summary>
    /// A mark as a place inside the file: YamlDotNet puts some marks at the end of the stream past the last line (an empty
    /// document after a comment without a final line break), those go to the end of the last line.
    /// </summary>
    private static (int Line, int Column) Place(Mark mark, string[]? lines)
    {
        if (lines is null) return ((int)mark.Line, (int)mark.Column);
        var line = (int)Math.Clamp(mark.Line, 1, lines.Length);
        var column = line < mark.Line ? lines[^1].Length + 1 : (int)Math.Clamp(mark.Column, 1, lines[line - 1].Length + 1);
        return (line, column);
    }

    [GeneratedRegex("\r\n|\r|\n|\u0085|\u2028|\u2029")]
    private static partial Regex LineBreak();

    public void Error(YamlNode node, string message)
    {
        var (line, column) = Place(node.Start, _lines);
        Errors.Add(new(File, line, column, message));
    }

    public void Record(string path, YamlNode node) => Positions[path] = At(node);

    public SourcePosition At(YamlNode node)
    {
        var (line, column) = Place(node.Start, _lines);
        return new(File, line, column);
    }

    /// <summary>Opens <paramref name="node"/> as a mapping with the given allowed keys; unknown keys are errors naming the nearest allowed one.</summary>
    public Fields? Map(YamlNode? node, string path, IReadOnlyCollection<string> allowed)
    {
        if (node is null) return null;
        if (node is not YamlMappingNode map)
        {
            Error(node, $"'{Display(path)}' must be a mapping");
            return null;
        }
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (allowed.Contains(name)) continue;
            var where = path.Length == 0 ? "" : $" in '{path}'";
            Error(key, Names.Nearest(name, allowed) is { } near
                ? $"unknown field '{name}'{where}; did you mean '{near}'?"
                : $"unknown field '{name}'{where}; allowed: {string.Join(", ", allowed)}");
        }
        return new Fields(this, map, path);
    }

    /// <summary>The items of a sequence node; a non-sequence is an error and yields nothing.</summary>
    public IReadOnlyList<YamlNode> Items(YamlNode? node, string path)
    {
        if (node is null || IsNull(node)) return [];
        if (node is YamlSequenceNode seq) return seq.Children.ToList();
        Error(node, $"'{Display(path)}' must be a list");
        return [];
    }

    public string? Scalar(YamlNode node, string path)
    {
        if (node is YamlScalarNode s) return s.Value;
        Error(node, $"'{Display(path)}' must be a scalar value");
        return null;
    }

    public int? Int(YamlNode node, string path, int min)
    {
        if (Scalar(node, path) is not { } text) return null;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Error(node, $"'{Display(path)}' must be an integer, was '{text}'");
            return null;
        }
        if (value < min)
        {
            Error(node, $"'{Display(path)}' must be at least {min}, was {value}");
            return null;
        }
        return value;
    }

    public T? Enum<T>(YamlNode node, string path) where T : struct, Enum
    {
        if (Scalar(node, path) is not { } text) return null;
        if (Names.TryParseKebab<T>(text, out var value)) return value;
        Error(node, $"'{Display(path)}' must be one of {string.Join(", ", Names.KebabValues<T>())}, was '{text}'");
        return null;
    }

    /// <summary>
    /// Plain YAML as CLR values: string, list of object?, dictionary of string → object?. A mapping key that is not
    /// plain text, or one that repeats, is an error at the key (the entry is left out).
    /// </summary>
    public object? ToValue(YamlNode node, string path) => node switch
    {
        YamlScalarNode s when IsNull(s) => null,
        YamlScalarNode s => s.Value,
        YamlSequenceNode q => q.Children.Select((item, i) => ToValue(item, $"{path}[{i}]")).ToList(),
        YamlMappingNode m => ToDictionary(m, path),
        _ => null,
    };

    private Dictionary<string, object?> ToDictionary(YamlMappingNode map, string path)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            if (k is not YamlScalarNode { Value: { } key })
                Error(k, $"a key under '{Display(path)}' must be plain text, not a list or mapping");
            else if (!values.TryAdd(key, ToValue(v, $"{path}.{key}")))
                Error(k, $"duplicate field '{Display($"{path}.{key}")}'");
        }
        return values;
    }

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" };

    /// <summary>
    /// Checks a name that becomes part of cell ids and URLs (profiles, plans, topologies):
    /// lower-case letters, digits, '-' and '.', starting with a letter or digit.
    /// </summary>
    public string? Slug(Fields fields, string key, bool required = true)
    {
        var value = fields.Str(key, required);
        if (value is null) return null;
        if (value.Length > 0 && char.IsAsciiLetterOrDigit(value[0]) && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
            return value;
        Error(fields.Get(key)!, $"'{Join(fields.Path, key)}' must be lower-case letters, digits, '-' or '.' (it is part of cell ids), was '{value}'");
        return null;
    }

    public static string Display(string path) => path.Length == 0 ? "document" : path;

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
}
