using TestFarm.Configuration;
using TestFarm.Core.Configuration;

namespace TestFarm.Cli.Commands.Validate;

/// <summary>The file-reading part of validation: turns paths (files or folders) into <see cref="ConfigFile"/>s.</summary>
public static class ConfigFileReader
{
    /// <summary>
    /// Every <c>*.yaml</c>/<c>*.yml</c> under the given paths, named relative to <paramref name="workingDirectory"/>.
    /// With no paths, the defaults that exist are read. A given path that does not exist is a problem.
    /// </summary>
    public static IReadOnlyList<ConfigFile> Read(IReadOnlyList<string> paths, string workingDirectory, out IReadOnlyList<string> problems)
    {
        var found = new List<string>();
        var fromFolders = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        var explicitPaths = paths.Count > 0;
        foreach (var path in explicitPaths ? paths : ValidateCommand.DefaultPaths)
        {
            var full = System.IO.Path.GetFullPath(path, workingDirectory);
            if (Directory.Exists(full))
            {
                var inFolder = Directory.EnumerateFiles(full, "*.*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                    .ToList();
                found.AddRange(inFolder);
                fromFolders.UnionWith(inFolder);
            }
            else if (File.Exists(full)) found.Add(full);
            else if (explicitPaths) missing.Add($"no such file or folder: {path}");
        }
        problems = missing;
        return found.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(f => (Full: f, File: new ConfigFile(Display(f, workingDirectory), File.ReadAllText(f))))
            // Other YAML in a folder (e.g. a step's data files under scenarios/) is not configuration; a file named explicitly is.
            .Where(x => !fromFolders.Contains(x.Full) || ConfigurationLoader.Classify(x.File) != ConfigFileKind.Unknown)
            .Select(x => x.File)
            .ToList();
    }

    /// <summary>
    /// Reads and loads the configuration at <paramref name="paths"/> (default: hardware-profiles/, scenarios/, pool.yaml)
    /// under <paramref name="root"/>. Missing paths become errors of the returned set, so callers check only <see cref="ConfigurationSet.Errors"/>.
    /// </summary>
    public static ConfigurationSet Load(string root, IReadOnlyList<string>? paths = null, IEnumerable<IStepValidator>? validators = null)
    {
        var files = Read(paths ?? [], root, out var problems);
        var set = ConfigurationLoader.Load(files, validators);
        return problems.Count == 0 ? set : set with { Errors = [.. problems.Select(p => new ConfigError(root, 1, 1, p)), .. set.Errors] };
    }

    private static string Display(string full, string workingDirectory)
    {
        var relative = System.IO.Path.GetRelativePath(workingDirectory, full);
        return (relative.StartsWith("..", StringComparison.Ordinal) ? full : relative).Replace('\\', '/');
    }
}
