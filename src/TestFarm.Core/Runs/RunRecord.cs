namespace TestFarm.Core.Runs;

/// <summary>Where one cell of a run stands as a durable work item.</summary>
public enum CellWorkState
{
    /// <summary>Recorded with its run, no attempt taken yet.</summary>
    Pending,
    /// <summary>An attempt was taken by a farm instance (it may have died with it: then the next attempt retries).</summary>
    Running,
    /// <summary>The cell's result is stored; nothing more happens to it.</summary>
    Recorded,
}

/// <summary>A run as stored: its state, and once ended its verdict, reason and finish time.</summary>
public sealed record RunRecord
{
    public required string Id { get; init; }
    public required string Plan { get; init; }
    public required string Trigger { get; init; }
    public required RunState State { get; init; }
    /// <summary>What the recorded cells say (<see cref="RunTransitions.Verdict"/>), set when the run ends; null before, or for a cancelled run with no cell recorded.</summary>
    public RunState? Verdict { get; init; }
    public string? EndReason { get; init; }
    public required DateTimeOffset Started { get; init; }
    public DateTimeOffset? Finished { get; init; }
    /// <summary>Who asked for the run (opaque to the store; the engine's JSON).</summary>
    public string? Origin { get; init; }
}

/// <summary>One cell of a run as a work item.</summary>
public sealed record CellWorkItem(string RunId, string CellId, CellWorkState State, int Attempts);

/// <summary>What taking a cell's next attempt found: the run's state, the cell's state before, and this attempt's number (1 = first).</summary>
public sealed record CellAttempt(RunState Run, CellWorkState Before, int Attempt);
