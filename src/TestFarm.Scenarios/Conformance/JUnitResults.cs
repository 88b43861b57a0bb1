using TestFarm.Core.Results;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Import;

namespace TestFarm.Scenarios.Conformance;

/// <summary>Turns JUnit cases into <see cref="TestResult"/>s (skipped specs are dropped unless asked for: e2e has thousands).</summary>
public static class JUnitResults
{
    public static IReadOnlyList<TestResult> From(IEnumerable<JUnitCase> cases, StepRun run, string prefix, bool includeSkipped)
    {
        var start = run.Time.GetUtcNow();
        return cases.Where(c => includeSkipped || c.Outcome != JUnitOutcome.Skipped).Select(c => new TestResult
        {
            TestId = $"{prefix}:{(string.IsNullOrEmpty(c.ClassName) ? "" : c.ClassName + ".")}{c.Name}",
            Name = c.Name,
            Suite = run.Suite,
            Verdict = c.Outcome switch
            {
                JUnitOutcome.Passed => Verdict.Passed, JUnitOutcome.Skipped => Verdict.Skipped, _ => Verdict.Failed,
            },
            Start = start,
            Duration = c.Duration,
            Message = c.Message,
            SkipReason = c.Outcome == JUnitOutcome.Skipped ? c.Message ?? "skipped by the run's focus/skip" : null,
            Tags = Tags(c.Name),
        }).ToList();
    }

    /// <summary>Ginkgo tags inside the name: <c>[Conformance]</c>, <c>[Serial]</c>, <c>[Slow]</c>, <c>[sig-node]</c>...</summary>
    public static IReadOnlyList<string> Tags(string name)
    {
        var tags = new List<string>();
        for (var i = name.IndexOf('[', StringComparison.Ordinal); i >= 0; i = name.IndexOf('[', i + 1))
        {
            var end = name.IndexOf(']', i);
            if (end < 0) break;
            var tag = name[(i + 1)..end];
            if (tag.Length is > 0 and < 64 && !tag.Contains(' ', StringComparison.Ordinal)) tags.Add(tag);
        }
        return tags;
    }
}
