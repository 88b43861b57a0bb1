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

public sealed class CellVerdictsTests
{
    private static CellResult Cell(string run, params (string Id, Verdict V)[] tests) => new()
    {
        CellId = "nightly/r650/3-node", Plan = "nightly", Profile = "r650", Arch = "amd64", Topology = "3-node", Verdict = Verdict.Passed,
        Evidence = new Dictionary<string, string> { ["firmware.bios"] = "2.1", ["firmware.bmc"] = "7.0" },
        Tests = tests.Select(t => new TestResult { TestId = t.Id, Name = t.Id, Suite = "s", Verdict = t.V }).ToList(),
        BuildId = run,
    };

    [Test]
    public void FinishQuarantinesMarksRegressionsAndAggregates()
    {
        var previous = Cell("r1", ("a", Verdict.Passed), ("b", Verdict.Passed));
        var current = Cell("r2", ("a", Verdict.Passed), ("b", Verdict.Failed));
        var key = new TestKey("b", "r650", "bios=2.1;bmc=7.0;nic=");

        var plain = CellVerdicts.Finish(current, previous, new HashSet<TestKey>());
        Assert.That((plain.Verdict, plain.Tests[1].Regression), Is.EqualTo((Verdict.Failed, "new-failure")));

        var quarantined = CellVerdicts.Finish(current, previous, new HashSet<TestKey> { key });
        Assert.That((quarantined.Verdict, quarantined.Tests[1].Quarantined, quarantined.Tests[1].Regression), Is.EqualTo((Verdict.Passed, true, "new-failure")));
    }

    [Test]
    public void HistoryKeysByProfileAndFirmware()
    {
        var run = new RunResult { RunId = "r2", Plan = "nightly", Trigger = "nightly", Cells = [Cell("r2", ("a", Verdict.Flaky))] };
        Assert.That(CellVerdicts.History(run).Single(), Is.EqualTo(new HistoryEntry(new TestKey("a", "r650", "bios=2.1;bmc=7.0;nic="), "r2", default, Verdict.Flaky)));
    }

    [Test]
    public void PreviousOfAnotherCellIsRefused() =>
        Assert.Throws<ArgumentException>(() => CellVerdicts.Finish(Cell("r2"), Cell("r1") with { CellId = "nightly/other/3-node" }, new HashSet<TestKey>()));
}
