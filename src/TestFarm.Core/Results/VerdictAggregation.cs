namespace TestFarm.Core.Results;

/// <summary>Counts of tests by verdict; quarantined tests are counted apart and never fail a cell.</summary>
public sealed record VerdictCounts(int Total, int Passed, int Failed, int InfraError, int Flaky, int Skipped, int Quarantined)
{
    public static VerdictCounts Of(IEnumerable<TestResult> tests)
    {
        int total = 0, passed = 0, failed = 0, infra = 0, flaky = 0, skipped = 0, quarantined = 0;
        foreach (var t in tests)
        {
            total++;
            if (t.Quarantined) quarantined++;
            switch (t.Verdict)
            {
                case Verdict.Passed: passed++; break;
                case Verdict.Failed: failed++; break;
                case Verdict.InfraError: infra++; break;
                case Verdict.Flaky: flaky++; break;
                default: skipped++; break;
            }
        }
        return new VerdictCounts(total, passed, failed, infra, flaky, skipped, quarantined);
    }
}

/// <summary>
/// How test verdicts add up to a cell verdict and cell verdicts to a run verdict. Precedence:
/// a failed pipeline phase makes the cell an infra-error (its tests could not be trusted); otherwise a
/// non-quarantined product failure fails it; then infra-error, flaky, passed; a cell whose every test
/// was skipped is skipped. Quarantined tests report but never change the cell's verdict.
/// </summary>
public static class VerdictAggregation
{
    public static Verdict ForCell(IEnumerable<TestResult> tests, IEnumerable<PhaseTiming>? phases = null)
    {
        if (phases?.Any(p => !p.Succeeded) == true) return Verdict.InfraError;
        var counted = tests.Where(t => !t.Quarantined).Select(t => t.Verdict).ToList();
        return Combine(counted, allSkippedIsSkipped: true);
    }

    public static Verdict ForRun(IEnumerable<CellResult> cells) =>
        Combine(cells.Select(c => c.Verdict).ToList(), allSkippedIsSkipped: true);

    /// <summary>Recomputes the cell's verdict from its tests and phases.</summary>
    public static CellResult WithAggregatedVerdict(CellResult cell) =>
        cell with { Verdict = ForCell(cell.Tests, cell.Phases) };

    private static Verdict Combine(List<Verdict> verdicts, bool allSkippedIsSkipped)
    {
        if (verdicts.Contains(Verdict.Failed)) return Verdict.Failed;
        if (verdicts.Contains(Verdict.InfraError)) return Verdict.InfraError;
        if (verdicts.Contains(Verdict.Flaky)) return Verdict.Flaky;
        if (allSkippedIsSkipped && verdicts.Count > 0 && verdicts.All(v => v == Verdict.Skipped)) return Verdict.Skipped;
        return Verdict.Passed;
    }
}
