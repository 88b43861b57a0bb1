namespace TestFarm.Core.Results;

/// <summary>Regression marks, compared with the previous run of the same plan and cell.</summary>
public static class Regression
{
    public const string NewFailure = "new-failure";
    public const string Fixed = "fixed";
    public const string StillFailing = "still-failing";

    /// <summary>
    /// Marks each test against <paramref name="previous"/> (null: first run, nothing marked). A test that
    /// passed (or was flaky) before and fails now is a new failure; failed before and passes (or is flaky) now is
    /// fixed; failed both times is still failing. Skipped and infra-error outcomes are never marked.
    /// </summary>
    public static IReadOnlyList<TestResult> Mark(IEnumerable<TestResult> current, CellResult? previous)
    {
        var before = previous?.Tests.GroupBy(t => t.TestId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().Verdict, StringComparer.Ordinal)
            ?? new Dictionary<string, Verdict>(StringComparer.Ordinal);
        return current.Select(t => t with { Regression = MarkOne(before.TryGetValue(t.TestId, out var v) ? v : null, t.Verdict) }).ToList();
    }

    /// <summary>The mark for one test, or null.</summary>
    public static string? MarkOne(Verdict? previous, Verdict now) => (previous, now) switch
    {
        (Verdict.Passed or Verdict.Flaky, Verdict.Failed) => NewFailure,
        (Verdict.Failed, Verdict.Passed or Verdict.Flaky) => Fixed,
        (Verdict.Failed, Verdict.Failed) => StillFailing,
        _ => null,
    };
}
