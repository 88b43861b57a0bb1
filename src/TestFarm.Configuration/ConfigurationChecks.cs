using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;

namespace TestFarm.Configuration;

/// <summary>Checks across files: duplicates, dangling references, impossible topologies and admission.</summary>
internal static class ConfigurationChecks
{
    public static IEnumerable<ConfigError> Run(ConfigurationSet set)
    {
        var errors = new List<ConfigError>();
        Duplicates(errors, "hardware profile", set.Profiles.Select(p => (p.Value.Name, p.At("name"))));
        Duplicates(errors, "plan", set.Plans.Select(p => (p.Value.Name, p.At("name"))));
        Duplicates(errors, "suite", set.Suites.Select(s => (s.Value.Name, s.At("name"))));
        var profiles = set.Profiles.Select(p => p.Value).GroupBy(p => p.Name, StringComparer.Ordinal).Select(g => g.First()).ToList();
        var profileNames = profiles.Select(p => p.Name).ToList();
        if (set.Pool is { } pool)
        {
            var machines = pool.Value.Machines;
            Duplicates(errors, "machine id", machines.Select((m, i) => (m.Id, pool.At($"machines[{i}].id"))));
            Duplicates(errors, "BMC url", machines.Select((m, i) => (m.Bmc.Url.AbsoluteUri.TrimEnd('/'), pool.At($"machines[{i}].bmc.url"))));
            Duplicates(errors, "provisioning MAC", machines.Select((m, i) => (m.ProvisioningMac, pool.At($"machines[{i}].provisioningMac"))));
            for (var i = 0; i < machines.Count; i++)
            {
                if (!profileNames.Contains(machines[i].Profile))
                    errors.Add(Error(pool.At($"machines[{i}].profile"), $"machine '{machines[i].Id}' references unknown profile '{machines[i].Profile}'{Names.DidYouMean(machines[i].Profile, profileNames)}"));
            }
        }
        var suiteNames = set.Suites.Select(s => s.Value.Name).ToList();
        foreach (var plan in set.Plans) CheckPlan(errors, set, plan, profiles, suiteNames);
        return errors;
    }

    private static void CheckPlan(List<ConfigError> errors, ConfigurationSet set, Loaded<Plan> loaded, List<HardwareProfile> profiles, List<string> suiteNames)
    {
        var plan = loaded.Value;
        var profileNames = profiles.Select(p => p.Name).ToList();
        for (var i = 0; i < plan.Suites.Count; i++)
        {
            if (!suiteNames.Contains(plan.Suites[i]))
                errors.Add(Error(loaded.At($"suites[{i}]"), $"plan '{plan.Name}' references unknown suite '{plan.Suites[i]}'{Names.DidYouMean(plan.Suites[i], suiteNames)}"));
        }
        for (var i = 0; i < plan.Matrix.Profiles.Count; i++)
        {
            var selector = plan.Matrix.Profiles[i];
            if (!profiles.Any(p => SelectorMatcher.Matches(selector, p)))
                errors.Add(Error(loaded.At($"matrix.profiles[{i}]"), $"profile selector {{{SelectorMatcher.Describe(selector)}}} matches no hardware profile"));
        }
        var topologyNames = plan.Matrix.Topologies.Select(t => t.Name).ToList();
        Duplicates(errors, $"topology in plan '{plan.Name}'", plan.Matrix.Topologies.Select((t, i) => (t.Name, loaded.At($"matrix.topology:{t.Name}"))));
        foreach (var topology in plan.Matrix.Topologies)
        {
            Duplicates(errors, $"role in topology '{topology.Name}'", topology.Roles.Select(r => (r.Name, loaded.At($"matrix.topology:{topology.Name}"))));
            foreach (var role in topology.Roles.Where(r => r.Selector.Match.Count > 0 && !profiles.Any(p => SelectorMatcher.Matches(r.Selector, p))))
                errors.Add(Error(loaded.At($"matrix.topology:{topology.Name}"), $"role '{role.Name}' of topology '{topology.Name}' has selector {{{SelectorMatcher.Describe(role.Selector)}}} that no hardware profile can match"));
        }
        CheckPoints(errors, loaded, "include", plan.Matrix.Include, profileNames, topologyNames);
        CheckPoints(errors, loaded, "exclude", plan.Matrix.Exclude, profileNames, topologyNames);

        var cells = MatrixExpander.Expand(plan, profiles);
        errors.AddRange(ChaosCapabilities.Check(loaded, set.Suites, cells, set.Pool?.Value.Ssh is not null));
        if (cells.Count == 0 && plan.Matrix.Profiles.Count > 0 && plan.Matrix.Topologies.Count > 0)
            errors.Add(Error(loaded.At("matrix"), $"the matrix of plan '{plan.Name}' has no cells"));
        if (set.Pool is null) return;
        foreach (var cell in cells)
        {
            var check = Admission.Check(cell, profiles.First(p => p.Name == cell.Profile), set.Pool.Value.Machines);
            if (!check.Admitted) errors.Add(Error(loaded.At($"matrix.topology:{cell.Topology.Name}"), check.Reason!));
        }
    }

    private static void CheckPoints(List<ConfigError> errors, Loaded<Plan> loaded, string key, IReadOnlyList<MatrixPoint> points, List<string> profiles, List<string> topologies)
    {
        for (var i = 0; i < points.Count; i++)
        {
            if (points[i].Profile is { } p && !profiles.Contains(p))
                errors.Add(Error(loaded.At($"matrix.{key}[{i}].profile"), $"matrix {key} names unknown profile '{p}'{Names.DidYouMean(p, profiles)}"));
            if (points[i].Topology is { } t && !topologies.Contains(t))
                errors.Add(Error(loaded.At($"matrix.{key}[{i}].topology"), $"matrix {key} names unknown topology '{t}'{Names.DidYouMean(t, topologies)}"));
        }
    }

    private static void Duplicates(List<ConfigError> errors, string what, IEnumerable<(string Name, SourcePosition At)> items)
    {
        var first = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        foreach (var (name, at) in items)
        {
            if (first.TryGetValue(name, out var earlier)) errors.Add(Error(at, $"duplicate {what} '{name}' (first defined at {earlier})"));
            else first[name] = at;
        }
    }

    private static ConfigError Error(SourcePosition at, string message) => new(at.File, at.Line, at.Column, message);
}
