using TestFarm.Core.Suites;
using YamlDotNet.RepresentationModel;

namespace TestFarm.Configuration;

/// <summary>
/// Loads <c>scenarios/suites/*.yaml</c> into <see cref="Suite"/>. Unknown step kinds are errors; each step's
/// own settings are checked by the <see cref="IStepValidator"/> registered for its kind.
/// </summary>
public static class SuiteLoader
{
    public static readonly IReadOnlyList<string> TopLevelKeys = ["name", "description", "steps"];

    public static Loaded<Suite>? Load(string file, string text, ICollection<ConfigError> errors, IEnumerable<IStepValidator>? validators = null)
    {
        var byKind = (validators ?? []).GroupBy(v => v.Kind, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var reader = new YamlReader(file);
        Suite? suite = null;
        if (reader.Map(reader.Parse(text), "", TopLevelKeys) is { } f)
        {
            var name = f.Str("name", true);
            var description = f.Str("description");
            var steps = new List<SuiteStep>();
            var items = f.Items("steps", required: true);
            for (var i = 0; i < items.Count; i++)
            {
                if (ReadStep(reader, items[i], $"steps[{i}]", byKind) is { } step) steps.Add(step);
            }
            if (name is not null) suite = new Suite { Name = name, Description = description, Steps = steps };
        }
        reader.Flush(errors);
        return suite is null ? null : new Loaded<Suite>(suite, file, reader.Positions);
    }

    private static SuiteStep? ReadStep(YamlReader reader, YamlNode node, string path, Dictionary<string, List<IStepValidator>> validators)
    {
        reader.Record(path, node);
        if (node is not YamlMappingNode map)
        {
            reader.Error(node, $"'{path}' must be a mapping with kind and name");
            return null;
        }
        // Settings are the step kind's business; only kind and name are checked here.
        var fields = new Fields(reader, map, path);
        var kind = fields.Str("kind", true);
        var name = fields.Str("name", true);
        if (kind is not null && !StepKinds.All.Contains(kind))
        {
            reader.Error(fields.Get("kind")!, $"unknown step kind '{kind}'{Names.DidYouMean(kind, StepKinds.All)} (allowed: {string.Join(", ", StepKinds.All)})");
            return null;
        }
        if (kind is null || name is null) return null;
        var settings = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (key is not ("kind" or "name")) settings[key] = reader.ToValue(v, key);
        }
        var at = reader.At(node);
        var step = new SuiteStep { Kind = kind, Name = name, Settings = settings, Source = at.ToString() };
        foreach (var validator in validators.GetValueOrDefault(kind) ?? [])
        {
            try
            {
                reader.Errors.AddRange(validator.Validate(step, at.File, at.Line, at.Column).ToList());
            }
            catch (Exception e) when (e is InvalidCastException or InvalidOperationException or ArgumentException or FormatException or KeyNotFoundException or NullReferenceException)
            {
                // A validator that trips over odd settings must not hide the other errors.
                reader.Errors.Add(new ConfigError(at.File, at.Line, at.Column, $"{kind} step '{name}': settings could not be checked ({e.GetType().Name}: {e.Message})"));
            }
        }
        return step;
    }
}
