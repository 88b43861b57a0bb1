using TestFarm.Core.Configuration;
using TestFarm.Core.Plans;
using TestFarm.Core.Suites;

namespace TestFarm.Configuration;

/// <summary>
/// Which chaos actions a cell's backend can carry out, by the plan's deployer and the pool: the BMC's power actions and the
/// cluster API's pod kills, cordon and drain run everywhere; <c>kill-kubelet</c> and <c>kill-containers</c> need a node agent,
/// which the lab backend (deployer <c>lab</c>, its simulated clusters) has and a pool backend has only when the pool file says
/// how to log in to its machines (<c>nodeAccess.ssh</c>); <c>nic-down</c>/<c>pull-drive</c> need the lab's NIC and drive faults,
/// which only the lab has. A plan that would run such a step elsewhere is refused before it runs.
/// </summary>
internal static class ChaosCapabilities
{
    public const string LabDeployer = "lab";

    /// <summary>
    /// What the backend of <paramref name="deployer"/> lacks for <paramref name="action"/>, or null when it can do it;
    /// <paramref name="poolHasNodeAccess"/>: the pool file has <c>nodeAccess.ssh</c> (the farm's SSH node agent).
    /// </summary>
    public static string? Missing(string deployer, string action, bool poolHasNodeAccess) => deployer == LabDeployer ? null : action switch
    {
        "kill-kubelet" or "kill-containers" when !poolHasNodeAccess =>
            $"'{action}' needs a node agent and the backend of deployer '{deployer}' has none: the pool file has no nodeAccess.ssh " +
            "(how the farm logs in to the machines), and only the lab's simulated clusters have one without it",
        "nic-down" or "pull-drive" =>
            $"'{action}' needs NIC and drive faults and the backend of deployer '{deployer}' has none (only the lab injects them)",
        _ => null,
    };

    /// <summary>Every chaos step of the plan's suites that its backend cannot perform, at the step, naming the plan and its cells.</summary>
    public static IEnumerable<ConfigError> Check(Loaded<Plan> plan, IReadOnlyList<Loaded<Suite>> suites, IReadOnlyList<MatrixCell> cells, bool poolHasNodeAccess)
    {
        var deployer = plan.Value.Cluster.Deployer;
        var cellNames = cells.Count == 0 ? "" : $" for cell{(cells.Count == 1 ? "" : "s")} {Names(cells)}";
        for (var i = 0; i < plan.Value.Suites.Count; i++)
        {
            var suite = suites.FirstOrDefault(s => s.Value.Name == plan.Value.Suites[i]);
            if (suite is null) continue;
            var steps = suite.Value.Steps;
            for (var j = 0; j < steps.Count; j++)
            {
                if (steps[j].Kind != StepKinds.Chaos || steps[j].Settings.GetValueOrDefault("action") is not string action) continue;
                if (Missing(deployer, action, poolHasNodeAccess) is not { } missing) continue;
                var at = suite.At($"steps[{j}]");
                var used = plan.At($"suites[{i}]");
                yield return new ConfigError(at.File, at.Line, at.Column,
                    $"chaos step '{steps[j].Name}' of suite '{suite.Value.Name}' cannot run in plan '{plan.Value.Name}' ({used}){cellNames}: {missing}");
            }
        }
    }

    /// <summary>The cells' ids (profile and topology), at most five named.</summary>
    private static string Names(IReadOnlyList<MatrixCell> cells) =>
        string.Join(", ", cells.Take(5).Select(c => c.Id)) + (cells.Count > 5 ? $" and {cells.Count - 5} more" : "");
}
