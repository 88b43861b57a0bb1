using TestFarm.Core.Results;

namespace TestFarm.Core.Runs;

/// <summary>Runs with their state machine and their cells as durable work items: what the run engine needs from the store.</summary>
public interface IRunWorkStore
{
    /// <summary>
    /// Records a Queued run, one Pending work item per cell and the <paramref name="opening"/>'s reports, in one transaction.
    /// Null when recorded; the id of the open run that holds the opening's exclusive key when there is one (nothing recorded).
    /// </summary>
    Task<string?> CreateRunAsync(string runId, string plan, string trigger, string? origin, IReadOnlyList<string> cellIds, RunOpening? opening = null, CancellationToken ct = default);
    Task<RunRecord?> GetRunRecordAsync(string runId, CancellationToken ct = default);
    /// <summary>The run with its recorded cells.</summary>
    Task<RunResult?> GetRunAsync(string runId, CancellationToken ct = default);
    Task<IReadOnlyList<RunRecord>> ListOpenRunsAsync(CancellationToken ct = default);
    Task<IReadOnlyList<CellWorkItem>> ListCellWorkAsync(string runId, CancellationToken ct = default);
    /// <summary>Counts and takes a cell's next attempt (the run goes Running); nothing changes once the run ended or the cell is recorded. Null: no such cell.</summary>
    Task<CellAttempt?> TakeCellAttemptAsync(string runId, string cellId, string by, CancellationToken ct = default);
    /// <summary>Stores the cell's result and marks it Recorded; returns how many cells of the run are still open.</summary>
    Task<int> CompleteCellAsync(string runId, CellResult cell, CancellationToken ct = default);
    /// <summary>Ends the run exactly once with its <paramref name="reports"/> in the outbox, in one transaction (false when it had ended already); an illegal move throws.</summary>
    Task<bool> EndRunAsync(string runId, RunState to, RunState? verdict, string reason, IReadOnlyList<GitHub.OutboxMessage>? reports = null, CancellationToken ct = default);
}

/// <summary>
/// What goes with a new run: <see cref="ExclusiveKey"/> (at most one open run per key, e.g. one per plan and head SHA)
/// and the reports of its acceptance, written to the outbox in the run's own transaction.
/// </summary>
public sealed record RunOpening
{
    public string? ExclusiveKey { get; init; }
    public IReadOnlyList<GitHub.OutboxMessage> Reports { get; init; } = [];
}
