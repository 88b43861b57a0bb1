namespace TestFarm.Scenarios.Import;

/// <summary>How one JUnit testcase ended.</summary>
public enum JUnitOutcome { Passed, Failed, Skipped, Error }

/// <summary>One <c>&lt;testcase&gt;</c> of a JUnit file.</summary>
public sealed record JUnitCase
{
    public required string Name { get; init; }
    public string? ClassName { get; init; }
    /// <summary>Names of the enclosing testsuites, outermost first.</summary>
    public IReadOnlyList<string> SuitePath { get; init; } = [];
    public required JUnitOutcome Outcome { get; init; }
    public TimeSpan Duration { get; init; }
    public string? Message { get; init; }
    /// <summary>Where the testcase starts: <c>file:line:col</c>.</summary>
    public string? Source { get; init; }
}

/// <summary>Counts of a JUnit file, taken from its testcases (never from the root's attributes).</summary>
public sealed record JUnitCounts(int Tests, int Passed, int Failed, int Skipped, int Errors);

/// <summary>A parsed JUnit file.</summary>
public sealed record JUnitReport
{
    public required string File { get; init; }
    /// <summary><c>testsuite</c> or <c>testsuites</c>.</summary>
    public required string Root { get; init; }
    public required JUnitCounts Counts { get; init; }
    /// <summary>The cases, when asked for; empty when only counting.</summary>
    public IReadOnlyList<JUnitCase> Cases { get; init; } = [];
}
