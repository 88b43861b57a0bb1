using TestFarm.Core.Results;

namespace TestFarm.Core.Runs;

/// <summary>Runs with their state machine and their cells as durable work items: what the run engine needs from the store.</summary>
public interface IRunWorkStore
{
    /// <summary>Records a Queued run and one Pending work item per cell, in one transaction.</summary>
    Task CreateRunAsync(string runId, string plan, string trigger, string? origin, IReadOnlyList<string> cellIds, CancellationToken ct = default);
    Task<RunRecord?> GetRunRecordAsync(string runId, CancellationToken ct = default);
    /// <summary>The run with its recorded cells.</summary>
    Task<RunResult?> GetRunAsync(string runId, CancellationToken ct = default);
    Task<IReadOnlyList<RunRecord>> ListOpenRunsAsync(CancellationToken ct = default);
    Task<IReadOnlyList<CellWorkItem>> ListCellWorkAsync(string runId, CancellationToken ct = default);
    /// <summary>Counts and takes a cell's next attempt (the run goes Running); nothing changes once the run ended or the cell is recorded. Null: no such cell.</summary>
    Task<CellAttempt?> TakeCellAttemptAsync(string runId, string cellId, string by, CancellationToken ct = default);
    /// <summary>Stores the cell's result and marks it Recorded; returns how many cells of the run are still open.</summary>
    Task<int> CompleteCellAsync(string runId, CellResult cell, CancellationToken ct = default);
    /// <summary>Ends the run exactly once (false when it had ended already); an illegal move throws.</summary>
    Task<bool> EndRunAsync(string runId, RunState to, RunState? verdict, string reason, CancellationToken ct = default);
}
