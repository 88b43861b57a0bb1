using YamlDotNet.RepresentationModel;

namespace TestFarm.Configuration;

/// <summary>The fields of one YAML mapping, read with their paths so every error names the field and place.</summary>
internal sealed class Fields(YamlReader reader, YamlMappingNode node, string path)
{
    public YamlMappingNode Node => node;
    public string Path => path;
    public YamlReader Reader => reader;

    /// <summary>The value of <paramref name="key"/>, or null when absent or empty; records its position.</summary>
    public YamlNode? Get(string key, bool required = false)
    {
        node.Children.TryGetValue(new YamlScalarNode(key), out var value);
        if (value is not null && !YamlReader.IsNull(value))
        {
            reader.Record(YamlReader.Join(path, key), value);
            return value;
        }
        if (required) reader.Error(value ?? node, $"missing required field '{YamlReader.Join(path, key)}'");
        return null;
    }

    public string? Str(string key, bool required = false) =>
        Get(key, required) is { } v ? reader.Scalar(v, YamlReader.Join(path, key)) : null;

    public int? Int(string key, bool required = false, int min = 0) =>
        Get(key, required) is { } v ? reader.Int(v, YamlReader.Join(path, key), min) : null;

    public bool? Bool(string key)
    {
        if (Get(key) is not { } v || reader.Scalar(v, YamlReader.Join(path, key)) is not { } text) return null;
        if (bool.TryParse(text, out var b)) return b;
        reader.Error(v, $"'{YamlReader.Join(path, key)}' must be true or false, was '{text}'");
        return null;
    }

    public T? Enum<T>(string key, bool required = false) where T : struct, Enum =>
        Get(key, required) is { } v ? reader.Enum<T>(v, YamlReader.Join(path, key)) : null;

    public IReadOnlyList<YamlNode> Items(string key, bool required = false) =>
        reader.Items(Get(key, required), YamlReader.Join(path, key));

    public Fields? Map(string key, IReadOnlyCollection<string> allowed, bool required = false) =>
        reader.Map(Get(key, required), YamlReader.Join(path, key), allowed);

    /// <summary>A list of scalar strings.</summary>
    public IReadOnlyList<string> Strings(string key)
    {
        var items = Items(key);
        var list = new List<string>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var itemPath = $"{YamlReader.Join(path, key)}[{i}]";
            reader.Record(itemPath, items[i]);
            if (reader.Scalar(items[i], itemPath) is { } s) list.Add(s);
        }
        return list;
    }

    /// <summary>A list of kebab-case enum values.</summary>
    public IReadOnlyList<T> Enums<T>(string key) where T : struct, Enum
    {
        var items = Items(key);
        var list = new List<T>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (reader.Enum<T>(items[i], $"{YamlReader.Join(path, key)}[{i}]") is { } e) list.Add(e);
        }
        return list;
    }

    /// <summary>A mapping of scalar keys to scalar values (labels, selectors).</summary>
    public Dictionary<string, string> StringMap(string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Get(key) is not { } v) return result;
        var mapPath = YamlReader.Join(path, key);
        if (v is not YamlMappingNode map)
        {
            reader.Error(v, $"'{mapPath}' must be a mapping");
            return result;
        }
        foreach (var (k, value) in map.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "";
            reader.Record($"{mapPath}.{name}", k);
            if (reader.Scalar(value, $"{mapPath}.{name}") is { } s) result[name] = s;
        }
        return result;
    }
}
