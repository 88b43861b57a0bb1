using TestFarm.Core.Results;

namespace TestFarm.Reporting;

/// <summary>Optional context for the reports of a run.</summary>
public sealed record ReportOptions
{
    /// <summary>The run to compare with (new failures, fixed, still failing); null uses TestResult.Regression.</summary>
    public RunResult? Previous { get; init; }
    public string? FarmUrl { get; init; }
    public string? RunUrl { get; init; }
    public string? ReportUrl { get; init; }
    /// <summary>Report title; defaults to "Release qualification: &lt;plan&gt;".</summary>
    public string? Title { get; init; }
}
