namespace TestFarm.Orchestration.Runs;

/// <summary>Why a trigger was refused: an HTTP status and a message naming the field.</summary>
public sealed record TriggerRefusal(int Status, string Title, string Detail, string? Field = null);

/// <summary>A trigger's result: the new run's id, or why there is none.</summary>
public sealed record TriggerOutcome(string? RunId, TriggerRefusal? Refusal)
{
    /// <summary>When refused because a run with the same exclusive key (plan and head SHA) is open: that run.</summary>
    public string? RunningRunId { get; init; }

    public static TriggerOutcome Refused(int status, string title, string detail, string? field = null) => new(null, new TriggerRefusal(status, title, detail, field));
}

/// <summary>What a cancel request found.</summary>
public enum CancelOutcome
{
    /// <summary>The run ended Cancelled now; its cells still going stop, clean and release.</summary>
    Cancelled,
    /// <summary>No run has that id.</summary>
    NotFound,
    /// <summary>The run had already ended; it keeps its end.</summary>
    AlreadyEnded,
}
