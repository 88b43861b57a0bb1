using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Core.Pool;
using TestFarm.Core.Suites;

namespace TestFarm.Configuration;

/// <summary>
/// Loads a <see cref="ConfigurationSet"/> from file names and texts: each file by its kind's loader, then the
/// cross-file checks. Does no I/O; callers read the files.
/// </summary>
public static class ConfigurationLoader
{
    /// <summary>Loads and cross-checks <paramref name="files"/>; the kind of each file comes from <see cref="Classify"/>.</summary>
    public static ConfigurationSet Load(IEnumerable<ConfigFile> files, IEnumerable<IStepValidator>? validators = null) =>
        Load(files, new ConfigurationSet(), validators);

    /// <summary>
    /// Loads <paramref name="files"/> beside an already loaded <paramref name="context"/> (its profiles, pool, plans and
    /// suites take part in the cross-file checks, as if their files were given again, without parsing them again). The
    /// result holds both; only the context's own errors are left out.
    /// </summary>
    public static ConfigurationSet Load(IEnumerable<ConfigFile> files, ConfigurationSet context, IEnumerable<IStepValidator>? validators = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var errors = new List<ConfigError>();
        var profiles = new List<Loaded<HardwareProfile>>(context.Profiles);
        var pools = new List<Loaded<PoolInventory>>(context.Pool is { } p ? [p] : []);
        var plans = new List<Loaded<Plan>>(context.Plans);
        var suites = new List<Loaded<Suite>>(context.Suites);
        var validatorList = validators?.ToList() ?? [];
        foreach (var file in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            switch (Classify(file))
            {
                case ConfigFileKind.HardwareProfile: Add(profiles, HardwareProfileLoader.Load(file.Path, file.Text, errors)); break;
                case ConfigFileKind.Pool: Add(pools, PoolLoader.Load(file.Path, file.Text, errors)); break;
                case ConfigFileKind.Plan: Add(plans, PlanLoader.Load(file.Path, file.Text, errors)); break;
                case ConfigFileKind.Suite: Add(suites, SuiteLoader.Load(file.Path, file.Text, errors, validatorList)); break;
                default:
                    errors.Add(new(file.Path, 1, 1, "cannot tell what this file is: put it under hardware-profiles/, scenarios/plans/ or scenarios/suites/, or name it pool.yaml"));
                    break;
            }
        }
        foreach (var extra in pools.Skip(1))
            errors.Add(new(extra.File, 1, 1, $"more than one pool file; the first is {pools[0].File}"));
        var set = new ConfigurationSet { Profiles = profiles, Pool = pools.FirstOrDefault(), Plans = plans, Suites = suites };
        errors.AddRange(ConfigurationChecks.Run(set));
        return set with
        {
            Errors = errors.Distinct().OrderBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.Line).ThenBy(e => e.Column).ThenBy(e => e.Message, StringComparer.Ordinal).ToList(),
        };
    }

    /// <summary>What a file is, from its path (hardware-profiles/, plans/, suites/, pool*.yaml) or else its top-level keys.</summary>
    public static ConfigFileKind Classify(ConfigFile file)
    {
        var path = "/" + file.Path.Replace('\\', '/');
        if (path.Contains("/hardware-profiles/", StringComparison.Ordinal)) return ConfigFileKind.HardwareProfile;
        if (path.Contains("/plans/", StringComparison.Ordinal)) return ConfigFileKind.Plan;
        if (path.Contains("/suites/", StringComparison.Ordinal)) return ConfigFileKind.Suite;
        var name = path[(path.LastIndexOf('/') + 1)..];
        if (name.StartsWith("pool", StringComparison.OrdinalIgnoreCase)) return ConfigFileKind.Pool;
        using var lines = new StringReader(file.Text);
        for (var line = lines.ReadLine(); line is not null; line = lines.ReadLine())
        {
            if (line.StartsWith("machines:", StringComparison.Ordinal)) return ConfigFileKind.Pool;
            if (line.StartsWith("matrix:", StringComparison.Ordinal)) return ConfigFileKind.Plan;
            if (line.StartsWith("steps:", StringComparison.Ordinal)) return ConfigFileKind.Suite;
            if (line.StartsWith("arch:", StringComparison.Ordinal)) return ConfigFileKind.HardwareProfile;
        }
        return ConfigFileKind.Unknown;
    }

    private static void Add<T>(List<Loaded<T>> list, Loaded<T>? item)
    {
        if (item is not null) list.Add(item);
    }
}
