namespace TestFarm.Core.Results;

/// <summary>What a test or a cell came to.</summary>
public enum Verdict
{
    Passed,
    /// <summary>The product under test failed.</summary>
    Failed,
    /// <summary>The farm, a machine or a BMC failed; see the phase.</summary>
    InfraError,
    /// <summary>Failed, then passed on rerun.</summary>
    Flaky,
    Skipped,
}

/// <summary>One test's outcome in one cell.</summary>
public sealed record TestResult
{
    /// <summary>Stable id (e.g. a check's UUID or the JUnit classname + name).</summary>
    public required string TestId { get; init; }
    public required string Name { get; init; }
    /// <summary>The suite it ran in.</summary>
    public required string Suite { get; init; }
    public required Verdict Verdict { get; init; }
    public DateTimeOffset Start { get; init; }
    public TimeSpan Duration { get; init; }
    public string? Message { get; init; }
    public string? Details { get; init; }
    /// <summary>For infra errors: the pipeline phase that failed.</summary>
    public string? Phase { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? SkipReason { get; init; }
    /// <summary>Test is on the quarantine list: it reports but does not fail the cell.</summary>
    public bool Quarantined { get; init; }
    /// <summary>new-failure, fixed, still-failing, or null.</summary>
    public string? Regression { get; init; }
    public int Attempts { get; init; } = 1;
    public IReadOnlyList<Artifact> Attachments { get; init; } = [];
}

/// <summary>A file kept with a result: a log, a kubectl dump, a console capture.</summary>
public sealed record Artifact(string Name, string Path, string MediaType);

/// <summary>How long a pipeline phase of a cell took and how it ended.</summary>
public sealed record PhaseTiming
{
    public required string Phase { get; init; }
    public DateTimeOffset Start { get; init; }
    public TimeSpan Duration { get; init; }
    public bool Succeeded { get; init; } = true;
    public string? Error { get; init; }
}

/// <summary>Everything one cell of a run produced.</summary>
public sealed record CellResult
{
    public required string CellId { get; init; }
    public required string Plan { get; init; }
    public required string Profile { get; init; }
    public required string Arch { get; init; }
    public required string Topology { get; init; }
    public string? BuildId { get; init; }
    public required Verdict Verdict { get; init; }
    public IReadOnlyList<TestResult> Tests { get; init; } = [];
    public IReadOnlyList<PhaseTiming> Phases { get; init; } = [];
    /// <summary>Evidence for the report: image digest, firmware versions, Kubernetes/MetalLB/Rook versions.</summary>
    public IReadOnlyDictionary<string, string> Evidence { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Drift { get; init; } = [];
    public IReadOnlyList<string> Machines { get; init; } = [];
    /// <summary>Recovery times measured by chaos probes, by probe name.</summary>
    public IReadOnlyDictionary<string, TimeSpan> Recoveries { get; init; } = new Dictionary<string, TimeSpan>();
    /// <summary>
    /// How each machine reached the cell's build, by machine id: <c>full</c> (power cycle, POST, network boot),
    /// <c>fast-track</c> (the resident agent kexec'd it, no BMC call) or <c>skipped</c> (it already ran that build).
    /// </summary>
    public IReadOnlyDictionary<string, string> ReimagePaths { get; init; } = new Dictionary<string, string>();

    /// <summary>Name of the phase that waits for machines; its time is not a hold.</summary>
    public const string WaitPhase = "reserve";

    /// <summary>How long the cell held its machines: every phase but the wait for them (what the scheduler estimates).</summary>
    public TimeSpan HeldFor => Phases.Where(p => p.Phase != WaitPhase).Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Duration);
}

/// <summary>One run of a plan.</summary>
public sealed record RunResult
{
    public required string RunId { get; init; }
    public required string Plan { get; init; }
    public required string Trigger { get; init; }
    public DateTimeOffset Started { get; init; }
    public DateTimeOffset Finished { get; init; }
    public IReadOnlyList<CellResult> Cells { get; init; } = [];
    /// <summary>Pull request head SHA and repository, when triggered from GitHub.</summary>
    public string? HeadSha { get; init; }
    public string? Repository { get; init; }
}
