using TestFarm.Core.Configuration;
using TestFarm.Core.Suites;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TestFarm.Scenarios.SuiteFiles;

/// <summary>A suite file read with every error found, each at its file:line:col.</summary>
public sealed record SuiteFile(Suite? Suite, IReadOnlyList<ConfigError> Errors);

/// <summary>
/// Reads <c>scenarios/suites/*.yaml</c> into <see cref="Suite"/> (settings as strings, lists and maps) and runs the
/// step validators. The foundation's loader may replace this; it is here so the engine and its tests can load the
/// shipped suites on their own.
/// </summary>
public static class SuiteFileReader
{
    public static SuiteFile Read(string path, IEnumerable<IStepValidator>? validators = null)
    {
        var errors = new List<ConfigError>();
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            return new SuiteFile(null, [new ConfigError(path, (int)ex.Start.Line, (int)ex.Start.Column, ex.Message)]);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            return new SuiteFile(null, [new ConfigError(path, 1, 1, "a suite is a mapping with name, description and steps")]);
        var name = Scalar(root, "name");
        if (name is null) errors.Add(At(path, root, "'name' is required"));
        var byKind = (validators ?? ScenariosServiceCollectionExtensions.BuiltInValidators()).ToLookup(v => v.Kind, StringComparer.Ordinal);
        var steps = new List<SuiteStep>();
        if (Child(root, "steps") is YamlSequenceNode seq)
        {
            foreach (var node in seq.Children)
            {
                if (node is not YamlMappingNode map) { errors.Add(At(path, node, "a step is a mapping with kind and name")); continue; }
                var kind = Scalar(map, "kind");
                var stepName = Scalar(map, "name");
                if (kind is null) errors.Add(At(path, map, "step 'kind' is required"));
                else if (!StepKinds.All.Contains(kind)) errors.Add(At(path, map, $"unknown step kind '{kind}' (known: {string.Join(", ", StepKinds.All)})"));
                if (stepName is null) errors.Add(At(path, map, "step 'name' is required"));
                var settings = map.Children.Where(kv => kv.Key is YamlScalarNode k && k.Value is not ("kind" or "name"))
                    .ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => Convert(kv.Value), StringComparer.Ordinal);
                var step = new SuiteStep
                {
                    Kind = kind ?? "", Name = stepName ?? "", Settings = settings,
                    Source = $"{path}:{map.Start.Line}:{map.Start.Column}",
                };
                foreach (var v in byKind[step.Kind]) errors.AddRange(v.Validate(step, path, (int)map.Start.Line, (int)map.Start.Column));
                steps.Add(step);
            }
        }
        else errors.Add(At(path, root, "'steps' must be a list"));
        var suite = new Suite { Name = name ?? "", Description = Scalar(root, "description"), Steps = steps };
        return new SuiteFile(errors.Count == 0 ? suite : suite, errors);
    }

    private static ConfigError At(string path, YamlNode node, string message) =>
        new(path, (int)node.Start.Line, (int)node.Start.Column, message);

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string? Scalar(YamlMappingNode map, string key) => Child(map, key) is YamlScalarNode s ? s.Value : null;

    private static object? Convert(YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value is null or "~" or "null" && s.Style == ScalarStyle.Plain ? null : s.Value,
        YamlSequenceNode seq => seq.Children.Select(Convert).ToList(),
        YamlMappingNode map => map.Children.Where(kv => kv.Key is YamlScalarNode)
            .ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => Convert(kv.Value), StringComparer.Ordinal),
        _ => null,
    };
}
