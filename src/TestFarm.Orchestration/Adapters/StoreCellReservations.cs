using System.Collections.Concurrent;
using TestFarm.Core.Hardware;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Pool;
using TestFarm.Core.Scheduling;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Orchestration.Reservations;

namespace TestFarm.Orchestration.Adapters;

/// <summary>How this farm instance holds leases.</summary>
public sealed record ReservationSettings
{
    /// <summary>Who holds the leases: one name per farm instance.</summary>
    public required string Holder { get; init; }
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>How often a waiting cell asks for a scheduling round.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>The store's parts that reservations write to.</summary>
public sealed record ReservationStores(ILeaseStore Leases, IMachineStore Machines, IRequestQueue Queue, IEventLog? PhaseEvents = null);

/// <summary>
/// Gang reservations of one farm instance through the farm store, shared by all the runs it executes: each cell's
/// request is admitted and queued, scheduling rounds run one at a time for this instance, and each grant goes to
/// the cell that waits for it (a round may start several). A grant nobody here waits for (another instance's cell,
/// a cell that gave up, a run that ended) is handed back at once: lease released, its untouched machines back to
/// Available, the request queued again, or cancelled when <c>runEnded</c> says its run is over. Release hands
/// suspect machines over as Suspect and the rest back to Available, since the pipeline has cleaned them while it
/// still held the lease. With <see cref="ReservationStores.PhaseEvents"/> every phase under a lease is audited.
/// </summary>
public sealed class StoreCellReservations(
    ReservationService service, ReservationStores stores, PoolInventory pool, IReadOnlyDictionary<string, HardwareProfile> profiles,
    ReservationSettings settings, TimeProvider time, Func<string, CancellationToken, Task<bool>> runEnded) : IDisposable
{
    private readonly SemaphoreSlim _round = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<GrantedRequest>> _waiting = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GrantedRequest> _byLease = new(StringComparer.Ordinal);

    /// <summary>
    /// The reservations of one run's cells (its requests are named after the run: <c>run/cell</c>, and <c>run/cell#N</c> for
    /// attempt N above the first, which retries a cell whose earlier attempt was lost with its farm instance).
    /// </summary>
    public ICellReservations ForRun(string runId, string repository = "default", int attempt = 1) => new RunReservations(this, runId, repository, attempt);

    private async Task<CellLease> ReserveAsync(string runId, string repository, int attempt, MatrixCell cell, Plan plan, CancellationToken ct)
    {
        var request = ReservationRequest.ForCell(cell, plan, runId, time.GetUtcNow(), repository) with { EstimatedDuration = PipelinePhases.LongestHold(plan) };
        if (attempt > 1) request = request with { Id = $"{request.Id}#{attempt}" };
        var admission = await service.SubmitAsync(request, ct);
        if (!admission.Admitted) throw new InvalidOperationException($"cell {cell.Id} cannot be admitted: {string.Join("; ", admission.Reasons)}");
        var mine = new TaskCompletionSource<GrantedRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[request.Id] = mine;
        try
        {
            while (!mine.Task.IsCompleted)
            {
                await RoundAsync(ct);
                if (mine.Task.IsCompleted) break;
                await Task.WhenAny(mine.Task, Task.Delay(settings.PollInterval, time, ct));
                ct.ThrowIfCancellationRequested();
            }
            return ToCellLease(await mine.Task);
        }
        catch (OperationCanceledException)
        {
            _waiting.TryRemove(request.Id, out _);
            // Granted just as the cell gave up: nobody will use the machines, hand them back.
            if (mine.Task.IsCompletedSuccessfully) await HandBackAsync(mine.Task.Result, "its cell was cancelled");
            throw;
        }
        finally
        {
            _waiting.TryRemove(request.Id, out _);
        }
    }

    private async Task RoundAsync(CancellationToken ct)
    {
        await _round.WaitAsync(ct);
        try
        {
            foreach (var granted in await service.ScheduleAsync(settings.Holder, settings.LeaseTtl, ct))
            {
                if (_waiting.TryGetValue(granted.Request.Id, out var waiter) && waiter.TrySetResult(granted)) continue;
                await HandBackAsync(granted, $"no cell of {settings.Holder} waits for it");
            }
        }
        finally { _round.Release(); }
    }

    private async Task HandBackAsync(GrantedRequest granted, string why)
    {
        var reason = $"handed back: {why}";
        await stores.Leases.ReleaseAsync(granted.Lease.Id, settings.Holder, reason, CancellationToken.None);
        foreach (var machine in granted.Lease.Machines)
            await stores.Machines.TransitionAsync(machine, MachineState.Available, $"{reason} (never touched)", CancellationToken.None);
        var ended = await runEnded(ReservationRequest.RunOf(granted.Request.Id), CancellationToken.None);
        await stores.Queue.SetStateAsync(granted.Request.Id, ended ? RequestState.Cancelled : RequestState.Queued,
            ended ? $"{reason}; its run has ended" : reason, ct: CancellationToken.None);
    }

    private Task<Lease> HeartbeatAsync(CellLease lease, CancellationToken ct) => stores.Leases.HeartbeatAsync(lease.LeaseId, settings.Holder, ct);

    private async Task MarkAsync(CellLease lease, IReadOnlyList<string> machineIds, MachineState to, string reason, CancellationToken ct)
    {
        if (!_byLease.ContainsKey(lease.LeaseId)) throw NotHeld(lease);
        foreach (var machine in machineIds)
            await stores.Machines.TransitionAsync(machine, to, $"{reason} (lease {lease.LeaseId})", ct);
    }

    private async Task RecordPhaseAsync(CellLease lease, string phase, CancellationToken ct)
    {
        if (stores.PhaseEvents is not { } events || !_byLease.TryGetValue(lease.LeaseId, out var granted)) return;
        await events.AppendAsync(CellPhaseEvent.Of(granted.Request.Id, lease.LeaseId, phase, CellPhaseEvent.Started, $"entered phase {phase}", time.GetUtcNow()), ct);
    }

    private async Task ReleaseAsync(CellLease lease, IReadOnlyDictionary<string, string> suspect, CancellationToken ct)
    {
        if (!_byLease.TryRemove(lease.LeaseId, out var granted)) throw NotHeld(lease);
        foreach (var (machine, reason) in suspect) await stores.Machines.TransitionAsync(machine, MachineState.Suspect, reason, ct);
        await service.CompleteAsync(granted, settings.Holder, "cell finished", ct);
        foreach (var machine in granted.Lease.Machines.Where(m => !suspect.ContainsKey(m)))
            await stores.Machines.TransitionAsync(machine, MachineState.Available, $"cleaned by {lease.LeaseId}", ct);
    }

    private InvalidOperationException NotHeld(CellLease lease) => new($"lease {lease.LeaseId} is not held by {settings.Holder}");

    private CellLease ToCellLease(GrantedRequest granted)
    {
        _byLease[granted.Lease.Id] = granted;
        var byId = pool.Machines.ToDictionary(m => m.Id, StringComparer.Ordinal);
        CellMachine Of((string Role, string MachineId) a)
        {
            var machine = byId[a.MachineId];
            return new CellMachine(machine, profiles[machine.Profile], a.Role);
        }
        return new CellLease(granted.Lease.Id,
            [.. granted.Assignments.Where(a => a.Role != "spare").Select(Of)],
            [.. granted.Assignments.Where(a => a.Role == "spare").Select(Of)]);
    }

    public void Dispose() => _round.Dispose();

    private sealed class RunReservations(StoreCellReservations owner, string runId, string repository, int attempt) : ICellReservations
    {
        public Task<CellLease> ReserveAsync(MatrixCell cell, Plan plan, CancellationToken cancellationToken) => owner.ReserveAsync(runId, repository, attempt, cell, plan, cancellationToken);
        public Task HeartbeatAsync(CellLease lease, CancellationToken cancellationToken) => owner.HeartbeatAsync(lease, cancellationToken);
        public Task MarkAsync(CellLease lease, IReadOnlyList<string> machineIds, MachineState to, string reason, CancellationToken cancellationToken) =>
            owner.MarkAsync(lease, machineIds, to, reason, cancellationToken);
        public Task RecordPhaseAsync(CellLease lease, string phase, CancellationToken cancellationToken) => owner.RecordPhaseAsync(lease, phase, cancellationToken);
        public Task ReleaseAsync(CellLease lease, IReadOnlyDictionary<string, string> suspect, CancellationToken cancellationToken) =>
            owner.ReleaseAsync(lease, suspect, cancellationToken);
    }
}
