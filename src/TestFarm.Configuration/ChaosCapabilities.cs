using TestFarm.Core.Configuration;
using TestFarm.Core.Plans;
using TestFarm.Core.Suites;

namespace TestFarm.Configuration;

/// <summary>
/// Which chaos actions a cell's backend can carry out, by the plan's deployer: the BMC's power actions and the cluster
/// API's pod kills, cordon and drain run everywhere; <c>kill-kubelet</c> and <c>kill-containers</c> need a node agent
/// and <c>nic-down</c>/<c>pull-drive</c> the lab's NIC and drive faults, which only the lab backend (deployer
/// <c>lab</c>, its simulated clusters) has. A plan that would run such a step elsewhere is refused before it runs.
/// </summary>
internal static class ChaosCapabilities
{
    public const string LabDeployer = "lab";

    /// <summary>What the backend of <paramref name="deployer"/> lacks for <paramref name="action"/>, or null when it can do it.</summary>
    public static string? Missing(string deployer, string action) => deployer == LabDeployer ? null : action switch
    {
        "kill-kubelet" or "kill-containers" =>
            $"'{action}' needs a node agent and the backend of deployer '{deployer}' has none (only the lab's simulated clusters have one)",
        "nic-down" or "pull-drive" =>
            $"'{action}' needs NIC and drive faults and the backend of deployer '{deployer}' has none (only the lab injects them)",
        _ => null,
    };

    /// <summary>Every chaos step of the plan's suites that its backend cannot perform, at the step, naming the plan.</summary>
    public static IEnumerable<ConfigError> Check(Loaded<Plan> plan, IReadOnlyList<Loaded<Suite>> suites)
    {
        var deployer = plan.Value.Cluster.Deployer;
        for (var i = 0; i < plan.Value.Suites.Count; i++)
        {
            var suite = suites.FirstOrDefault(s => s.Value.Name == plan.Value.Suites[i]);
            if (suite is null) continue;
            var steps = suite.Value.Steps;
            for (var j = 0; j < steps.Count; j++)
            {
                if (steps[j].Kind != StepKinds.Chaos || steps[j].Settings.GetValueOrDefault("action") is not string action) continue;
                if (Missing(deployer, action) is not { } missing) continue;
                var at = suite.At($"steps[{j}]");
                var used = plan.At($"suites[{i}]");
                yield return new ConfigError(at.File, at.Line, at.Column,
                    $"chaos step '{steps[j].Name}' of suite '{suite.Value.Name}' cannot run in plan '{plan.Value.Name}' ({used}): {missing}");
            }
        }
    }
}
