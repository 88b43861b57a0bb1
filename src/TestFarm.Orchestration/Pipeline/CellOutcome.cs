using TestFarm.Core.Results;

namespace TestFarm.Orchestration.Pipeline;

/// <summary>Turns what a cell gathered into its <see cref="CellResult"/>.</summary>
public static class CellOutcome
{
    internal static CellResult Build(CellRequest request, CellState state, IReadOnlyList<PhaseTiming> phases, string? infraPhase, string? infraError)
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
            Verdict = CellVerdict(tests),
            Tests = tests,
            Phases = phases,
            Evidence = state.Evidence,
            Drift = state.Drift,
            Machines = state.Machines.Select(m => m.Machine.Id).ToList(),
        };
    }

    /// <summary>Infra errors win over product failures; quarantined tests never fail a cell.</summary>
    public static Verdict CellVerdict(IReadOnlyList<TestResult> tests)
    {
        var counted = tests.Where(t => !t.Quarantined).ToList();
        if (counted.Any(t => t.Verdict == Verdict.InfraError)) return Verdict.InfraError;
        if (counted.Any(t => t.Verdict == Verdict.Failed)) return Verdict.Failed;
        if (counted.Any(t => t.Verdict == Verdict.Flaky)) return Verdict.Flaky;
        if (counted.Count > 0 && counted.All(t => t.Verdict == Verdict.Skipped)) return Verdict.Skipped;
        return Verdict.Passed;
    }
}
