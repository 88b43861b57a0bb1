using TestFarm.Core.Results;

namespace TestFarm.Reporting.Qualification;

/// <summary>What a release-qualification report shows, computed once from a run (and a previous run).</summary>
public sealed record QualificationData
{
    public required RunResult Run { get; init; }
    public RunResult? Previous { get; init; }
    public required string Title { get; init; }
    public required IReadOnlyList<string> Profiles { get; init; }
    public required IReadOnlyList<string> Suites { get; init; }
    /// <summary>Key: (profile, suite).</summary>
    public required IReadOnlyDictionary<(string Profile, string Suite), MatrixEntry> Matrix { get; init; }
    /// <summary>Every failed and infra-error test of the run.</summary>
    public required IReadOnlyList<TestLine> Failing { get; init; }
    public required IReadOnlyList<TestLine> NewFailures { get; init; }
    public required IReadOnlyList<TestLine> Fixed { get; init; }
    public required IReadOnlyList<TestLine> StillFailing { get; init; }
    public required IReadOnlyList<TestLine> Flaky { get; init; }
    public required IReadOnlyList<TestLine> Quarantined { get; init; }
    public int Total => Run.Cells.Sum(c => c.Tests.Count);
    public int Passed => Run.Cells.Sum(c => c.Tests.Count(t => t.Verdict is Verdict.Passed or Verdict.Flaky));
    public int Counted => Run.Cells.Sum(c => c.Tests.Count(t => t.Verdict != Verdict.Skipped));
    public double PassRate => Counted == 0 ? 0 : (double)Passed / Counted;
}

/// <summary>A matrix square: the worst verdict of the suite's tests on the profile's cells, and counts.</summary>
public sealed record MatrixEntry(Verdict Worst, int Passed, int Total)
{
    public double PassRate => Total == 0 ? 0 : (double)Passed / Total;
}

public sealed record TestLine(string CellId, string Suite, string Name, Verdict Verdict, string? Message);

public static class QualificationBuilder
{
    public static QualificationData Build(RunResult run, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        options ??= new ReportOptions();
        var profiles = run.Cells.Select(c => c.Profile).Distinct(StringComparer.Ordinal).ToList();
        var suites = run.Cells.SelectMany(c => c.Tests).Select(t => t.Suite).Distinct(StringComparer.Ordinal).ToList();
        var matrix = new Dictionary<(string, string), MatrixEntry>();
        foreach (var profile in profiles)
        {
            foreach (var suite in suites)
            {
                var tests = run.Cells.Where(c => c.Profile == profile).SelectMany(c => c.Tests).Where(t => t.Suite == suite).ToList();
                if (tests.Count == 0) continue;
                var worst = tests.Select(t => t.Verdict).MaxBy(TestFarm.Core.GitHub.CheckSummary.Severity);
                matrix[(profile, suite)] = new MatrixEntry(worst,
                    tests.Count(t => t.Verdict is Verdict.Passed or Verdict.Flaky), tests.Count(t => t.Verdict != Verdict.Skipped));
            }
        }
        var all = run.Cells.SelectMany(c => c.Tests.Select(t => (Cell: c, Test: t))).ToList();
        static TestLine Line(CellResult c, TestResult t) => new(c.CellId, t.Suite, t.Name, t.Verdict, t.Message);
        List<TestLine> newFailures, fixedTests, still;
        if (options.Previous is { } previous)
        {
            var before = previous.Cells.SelectMany(c => c.Tests.Select(t => (Key: (c.CellId, t.TestId), Cell: c, Test: t)))
                .GroupBy(x => x.Key).ToDictionary(g => g.Key, g => g.First());
            newFailures = [.. all.Where(x => Failing(x.Test) && !(before.TryGetValue((x.Cell.CellId, x.Test.TestId), out var b) && Failing(b.Test))).Select(x => Line(x.Cell, x.Test))];
            still = [.. all.Where(x => Failing(x.Test) && before.TryGetValue((x.Cell.CellId, x.Test.TestId), out var b) && Failing(b.Test)).Select(x => Line(x.Cell, x.Test))];
            fixedTests = [.. all.Where(x => x.Test.Verdict is Verdict.Passed or Verdict.Flaky && before.TryGetValue((x.Cell.CellId, x.Test.TestId), out var b) && Failing(b.Test)).Select(x => Line(x.Cell, x.Test))];
        }
        else
        {
            newFailures = [.. all.Where(x => x.Test.Regression == "new-failure").Select(x => Line(x.Cell, x.Test))];
            still = [.. all.Where(x => x.Test.Regression == "still-failing").Select(x => Line(x.Cell, x.Test))];
            fixedTests = [.. all.Where(x => x.Test.Regression == "fixed").Select(x => Line(x.Cell, x.Test))];
        }
        return new QualificationData
        {
            Run = run,
            Previous = options.Previous,
            Title = options.Title ?? $"Release qualification: {run.Plan}",
            Profiles = profiles,
            Suites = suites,
            Matrix = matrix,
            Failing = [.. all.Where(x => Failing(x.Test)).Select(x => Line(x.Cell, x.Test))],
            NewFailures = newFailures,
            Fixed = fixedTests,
            StillFailing = still,
            Flaky = [.. all.Where(x => x.Test.Verdict == Verdict.Flaky).Select(x => Line(x.Cell, x.Test))],
            Quarantined = [.. all.Where(x => x.Test.Quarantined).Select(x => Line(x.Cell, x.Test))],
        };
    }

    private static bool Failing(TestResult test) => test.Verdict is Verdict.Failed or Verdict.InfraError;
}
