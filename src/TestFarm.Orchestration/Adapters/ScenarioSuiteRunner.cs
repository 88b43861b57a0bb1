using TestFarm.Core.Suites;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Scenarios.Chaos;
using TestFarm.Scenarios.Conformance;
using TestFarm.Scenarios.Engine;
using PipelineMachine = TestFarm.Orchestration.Pipeline.CellMachine;
using ScenarioMachine = TestFarm.Scenarios.Engine.CellMachine;

namespace TestFarm.Orchestration.Adapters;

/// <summary>What the scenario engine needs beyond the cell itself, supplied by the composition (lab or farm).</summary>
public sealed record ScenarioExtras
{
    /// <summary>The node name a machine registered under; the machine id by default.</summary>
    public Func<PipelineMachine, string> NodeName { get; init; } = m => m.Machine.Id;
    public INodeAgent? NodeAgent { get; init; }
    /// <summary>A node agent per lease (the SSH agent of a pool backend); takes the place of <see cref="NodeAgent"/> when set.</summary>
    public ILeaseNodeAgents? LeaseNodeAgents { get; init; }
    public ILabFaults? LabFaults { get; init; }
    public ISonobuoyRunner? Sonobuoy { get; init; }
    /// <summary>How probes and checks reach the cluster's services (VIPs, HTTP endpoints) from the farm.</summary>
    public Scenarios.Probes.IProbeTransport? Transport { get; init; }
    public int RandomSeed { get; init; } = 1;
}

/// <summary>Runs a suite through the scenario engine on the cell a pipeline hands over.</summary>
public sealed class ScenarioSuiteRunner(SuiteRunner engine, ScenarioExtras extras, TimeProvider time) : ISuiteRunner
{
    public async Task<SuiteOutcome> RunAsync(Suite suite, SuiteContext context, CancellationToken cancellationToken)
    {
        var cell = new CellContext
        {
            CellId = context.Cell.Id,
            Cluster = context.Cluster.Api,
            ClusterName = context.Cell.Id,
            Machines = [.. context.Machines.Select(m => new ScenarioMachine
            {
                Machine = m.Machine, NodeName = extras.NodeName(m), Role = m.Role, Bmc = context.Bmc(m),
            })],
            Profile = context.Machines.Count > 0 ? context.Machines[0].Profile : null,
            KubernetesVersion = context.Plan.Cluster.KubernetesVersion,
            Time = time,
            ArtifactsDirectory = Path.Combine(context.ArtifactsDirectory, suite.Name),
            NodeAgent = extras.LeaseNodeAgents is { } agents ? agents.For(context.LeaseId ?? $"cell-{context.Cell.Id}") : extras.NodeAgent,
            LabFaults = extras.LabFaults,
            Sonobuoy = extras.Sonobuoy,
            KubeconfigPath = context.Cluster.KubeconfigPath,
            Transport = extras.Transport,
            RandomSeed = extras.RandomSeed,
        };
        Directory.CreateDirectory(cell.ArtifactsDirectory);
        var run = await engine.RunAsync(suite, cell, cancellationToken);
        return new SuiteOutcome(run.Tests, run.Recoveries);
    }
}
