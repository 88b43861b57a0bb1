using TestFarm.Core.Configuration;
using TestFarm.Testing;

namespace TestFarm.Configuration.Tests;

/// <summary>The repository's shipped configuration files, read as the CLI reads them.</summary>
internal static class ShippedFiles
{
    /// <summary>Suites the shipped plans use; the scenarios area ships them under scenarios/suites/.</summary>
    public static readonly string[] AgreedSuites = ["conformance-quick", "conformance-certified", "api-smoke", "chaos-cookiemonster", "chaos-power"];

    public static IReadOnlyList<ConfigFile> Read(string folder, string pattern = "*.yaml")
    {
        var full = Fixtures.Repo(folder);
        if (!Directory.Exists(full)) return [];
        return Directory.EnumerateFiles(full, pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => new ConfigFile(Path.GetRelativePath(Fixtures.RepositoryRoot, f).Replace('\\', '/'), File.ReadAllText(f)))
            .ToList();
    }

    /// <summary>
    /// Profiles, pool, plans and suites. Where an agreed suite is not (yet) in scenarios/suites/, a one-step
    /// stand-in with its name is added so that the rest of the set is still checked.
    /// </summary>
    public static IReadOnlyList<ConfigFile> All()
    {
        var files = new List<ConfigFile>();
        files.AddRange(Read("hardware-profiles"));
        files.AddRange(Read("scenarios/plans"));
        var suites = Read("scenarios/suites");
        files.AddRange(suites);
        files.Add(new ConfigFile("pool.yaml", File.ReadAllText(Fixtures.Repo("pool.yaml"))));
        var present = ConfigurationLoader.Load(suites).Suites.Select(s => s.Value.Name).ToHashSet(StringComparer.Ordinal);
        files.AddRange(AgreedSuites.Where(s => !present.Contains(s))
            .Select(s => new ConfigFile($"stand-in/suites/{s}.yaml", $"name: {s}\nsteps:\n  - kind: probe\n    name: stand-in\n")));
        return files;
    }
}
