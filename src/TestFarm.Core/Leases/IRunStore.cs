using TestFarm.Core.Results;
using TestFarm.Core.Scheduling;

namespace TestFarm.Core.Leases;

public enum RequestState { Queued, Granted, Rejected, Cancelled, Done }

public sealed record QueuedRequest(ReservationRequest Request, RequestState State, string? Reason, string? LeaseId);

/// <summary>The persistent queue of reservation requests.</summary>
public interface IRequestQueue
{
    Task EnqueueAsync(ReservationRequest request, CancellationToken ct = default);
    Task SetStateAsync(string requestId, RequestState state, string? reason, string? leaseId = null, CancellationToken ct = default);
    Task<IReadOnlyList<QueuedRequest>> ListAsync(RequestState? state = null, CancellationToken ct = default);
}

/// <summary>Runs, their cells and the tests' results.</summary>
public interface IRunStore
{
    Task StartRunAsync(string runId, string plan, string trigger, CancellationToken ct = default);
    /// <summary>Stores a cell's result with its tests (replacing an earlier one of the same cell).</summary>
    Task RecordCellAsync(string runId, CellResult cell, CancellationToken ct = default);
    Task FinishRunAsync(string runId, CancellationToken ct = default);
    Task<RunResult?> GetRunAsync(string runId, CancellationToken ct = default);
    /// <summary>True when the cell is a durable work item of its run with no result yet: its job records it (retried if its instance dies), nobody else.</summary>
    Task<bool> IsCellPendingAsync(string runId, string cellId, CancellationToken ct = default);
    /// <summary>
    /// How long the cells of a plan on a profile held their machines (<see cref="CellResult.HeldFor"/>), newest first, for
    /// duration estimates. Only cells that ran to a verdict on the product count (passed, failed, flaky), not infra errors.
    /// </summary>
    Task<IReadOnlyList<TimeSpan>> CellDurationsAsync(string plan, string profile, int limit = 50, CancellationToken ct = default);
}
