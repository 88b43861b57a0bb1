using TestFarm.Core.Results;

namespace TestFarm.Orchestration.Pipeline;

/// <summary>Turns what a cell gathered into its <see cref="CellResult"/>.</summary>
internal static class CellOutcome
{
    public static CellResult Build(CellRequest request, CellState state, IReadOnlyList<PhaseTiming> phases, string? infraPhase, string? infraError)
    {
        var tests = state.Tests.ToList();
        if (infraPhase is not null)
        {
            tests.Add(new TestResult
            {
                TestId = $"{request.Cell.Id}/{infraPhase}", Name = $"phase {infraPhase}", Suite = "pipeline",
                Verdict = Verdict.InfraError, Phase = infraPhase, Message = infraError,
            });
        }
        return new CellResult
        {
            CellId = request.Cell.Id,
            Plan = request.Plan.Name,
            Profile = request.Cell.Profile,
            Arch = state.Machines.FirstOrDefault()?.Profile.Arch.ToString().ToLowerInvariant() ?? "unknown",
            Topology = request.Cell.Topology.Name,
            BuildId = request.BuildId,
            // Phase failures are already tests (one infra-error each), so the tests alone decide.
            Verdict = VerdictAggregation.ForCell(tests),
            Tests = tests,
            Phases = phases,
            Evidence = state.Evidence,
            Drift = state.Drift,
            Machines = state.Machines.Select(m => m.Machine.Id).ToList(),
            Recoveries = state.Recoveries,
            ReimagePaths = state.ReimagePaths,
        };
    }
}
