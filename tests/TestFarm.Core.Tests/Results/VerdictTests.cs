using TestFarm.Core.Results;

namespace TestFarm.Core.Tests.Results;

public sealed class VerdictTests
{
    private static TestResult T(string id, Verdict v, bool quarantined = false) =>
        new() { TestId = id, Name = id, Suite = "s", Verdict = v, Quarantined = quarantined };

    private static CellResult Cell(params TestResult[] tests) => new()
    {
        CellId = "p/prof/topo", Plan = "p", Profile = "prof", Arch = "amd64", Topology = "topo", Verdict = Verdict.Passed, Tests = tests,
    };

    [Test]
    public void FailureBeatsInfraErrorBeatsFlakyBeatsPassed()
    {
        Assert.That(VerdictAggregation.ForCell([T("a", Verdict.Passed), T("b", Verdict.Flaky)]), Is.EqualTo(Verdict.Flaky));
        Assert.That(VerdictAggregation.ForCell([T("a", Verdict.InfraError), T("b", Verdict.Flaky)]), Is.EqualTo(Verdict.InfraError));
        Assert.That(VerdictAggregation.ForCell([T("a", Verdict.InfraError), T("b", Verdict.Failed)]), Is.EqualTo(Verdict.Failed));
        Assert.That(VerdictAggregation.ForCell([T("a", Verdict.Skipped), T("b", Verdict.Passed)]), Is.EqualTo(Verdict.Passed));
        Assert.That(VerdictAggregation.ForCell([T("a", Verdict.Skipped)]), Is.EqualTo(Verdict.Skipped));
    }

    [Test]
    public void QuarantinedFailureReportsButDoesNotFailTheCell()
    {
        var tests = new[] { T("a", Verdict.Passed), T("b", Verdict.Failed, quarantined: true) };
        Assert.That(VerdictAggregation.ForCell(tests), Is.EqualTo(Verdict.Passed));
        Assert.That(VerdictCounts.Of(tests), Is.EqualTo(new VerdictCounts(2, 1, 1, 0, 0, 0, 1)));
    }

    [Test]
    public void FailedPhaseMakesTheCellAnInfraError()
    {
        var phases = new[] { new PhaseTiming { Phase = "reimage", Succeeded = false, Error = "BMC timeout" } };
        Assert.That(VerdictAggregation.ForCell([T("a", Verdict.Passed)], phases), Is.EqualTo(Verdict.InfraError));
    }

    [Test]
    public void RunAggregatesCells()
    {
        var ok = VerdictAggregation.WithAggregatedVerdict(Cell(T("a", Verdict.Passed)));
        var bad = VerdictAggregation.WithAggregatedVerdict(Cell(T("a", Verdict.Failed)));
        Assert.That(VerdictAggregation.ForRun([ok, ok]), Is.EqualTo(Verdict.Passed));
        Assert.That(VerdictAggregation.ForRun([ok, bad]), Is.EqualTo(Verdict.Failed));
    }

    [Test]
    public void RegressionMarksAgainstPreviousRun()
    {
        var previous = Cell(T("a", Verdict.Passed), T("b", Verdict.Failed), T("c", Verdict.Failed), T("d", Verdict.Passed));
        var marked = Regression.Mark([T("a", Verdict.Failed), T("b", Verdict.Passed), T("c", Verdict.Failed), T("d", Verdict.Passed), T("e", Verdict.Failed)], previous);
        Assert.That(marked.Select(t => t.Regression), Is.EqualTo(new[] { "new-failure", "fixed", "still-failing", null, null }));
        Assert.That(Regression.Mark([T("a", Verdict.Failed)], null)[0].Regression, Is.Null);
    }
}
