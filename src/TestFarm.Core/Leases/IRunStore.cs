using TestFarm.Core.Results;
using TestFarm.Core.Scheduling;

namespace TestFarm.Core.Leases;

/// <summary>A request is open while Queued or Granted; Rejected, Cancelled and Done have ended (and are pruned after a retention).</summary>
public enum RequestState { Queued, Granted, Rejected, Cancelled, Done }

public static class RequestStates
{
    public static bool IsOpen(this RequestState state) => state is RequestState.Queued or RequestState.Granted;
}

public sealed record QueuedRequest(ReservationRequest Request, RequestState State, string? Reason, string? LeaseId);

/// <summary>
/// The persistent queue of reservation requests. Scheduling reads only the open requests (<see cref="ListOpenAsync"/>),
/// never the ended ones, so its cost follows the queue, not the history; ended requests are kept until pruned.
/// </summary>
public interface IRequestQueue
{
    Task EnqueueAsync(ReservationRequest request, CancellationToken ct = default);
    /// <summary>Moves a request; moving to an ended state records when it ended, back to an open one clears that.</summary>
    Task SetStateAsync(string requestId, RequestState state, string? reason, string? leaseId = null, CancellationToken ct = default);
    /// <summary>The requests in <paramref name="state"/> or, with null, all that are kept (ended ones too): for inspection, not for scheduling.</summary>
    Task<IReadOnlyList<QueuedRequest>> ListAsync(RequestState? state = null, CancellationToken ct = default);
    /// <summary>The open requests (Queued and Granted), oldest first: what a scheduling round reads.</summary>
    Task<IReadOnlyList<QueuedRequest>> ListOpenAsync(CancellationToken ct = default);
    /// <summary>One request by id; null when unknown or pruned.</summary>
    Task<QueuedRequest?> GetAsync(string requestId, CancellationToken ct = default);
    /// <summary>The open requests of one run (requests named <c>run/cell</c>, see <see cref="ReservationRequest.ForCell"/>), oldest first.</summary>
    Task<IReadOnlyList<QueuedRequest>> ListOpenOfRunAsync(string runId, CancellationToken ct = default);
    /// <summary>Deletes the requests that ended before <paramref name="endedBefore"/>; returns how many.</summary>
    Task<int> PruneEndedAsync(DateTimeOffset endedBefore, CancellationToken ct = default);
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
