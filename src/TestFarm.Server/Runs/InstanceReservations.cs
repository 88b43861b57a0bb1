using System.Collections.Concurrent;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Orchestration.Reservations;
using TestFarm.Server.Hosting;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Runs;

/// <summary>
/// Gang reservations of one server instance, shared by all its runs. A scheduling round may grant any queued
/// request: a grant goes to the cell of this instance that waits for it, and a grant nobody here waits for (another
/// instance's cell, or a run that ended) is handed back at once: lease released, its untouched machines back to
/// Available, the request queued again (or cancelled when its run has ended). Leases are held in the instance's name.
/// </summary>
public sealed class InstanceReservations(ReservationService service, SqlFarmStore store, IFarmBackend backend, FarmServerOptions options, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _round = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<GrantedRequest>> _waiting = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GrantedRequest> _byLease = new(StringComparer.Ordinal);

    /// <summary>How often a waiting cell asks for a round.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public ICellReservations ForRun(string runId) => new RunReservations(this, runId);

    private async Task<CellLease> ReserveAsync(string runId, MatrixCell cell, Plan plan, CancellationToken ct)
    {
        var request = ReservationRequest.ForCell(cell, plan, runId, time.GetUtcNow());
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
                await Task.WhenAny(mine.Task, Task.Delay(PollInterval, time, ct));
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
            foreach (var granted in await service.ScheduleAsync(options.InstanceName, options.LeaseTtl, ct))
            {
                if (_waiting.TryGetValue(granted.Request.Id, out var waiter) && waiter.TrySetResult(granted)) continue;
                await HandBackAsync(granted, $"no cell of {options.InstanceName} waits for it");
            }
        }
        finally { _round.Release(); }
    }

    private async Task HandBackAsync(GrantedRequest granted, string why)
    {
        var reason = $"handed back: {why}";
        await store.ReleaseAsync(granted.Lease.Id, options.InstanceName, reason, CancellationToken.None);
        foreach (var machine in granted.Lease.Machines)
            await store.TransitionAsync(machine, MachineState.Available, $"{reason} (never touched)", CancellationToken.None);
        var runId = granted.Request.Id.Split('/')[0];
        var run = await store.GetRunAsync(runId, CancellationToken.None);
        var ended = run is null || run.Finished != default
            || (await store.ReadAsync(runId, 0, 1000, CancellationToken.None)).Any(e => e.Kind == RunEvents.Kind && RunEvents.IsEnd(e.To));
        await store.SetStateAsync(granted.Request.Id, ended ? RequestState.Cancelled : RequestState.Queued,
            ended ? $"{reason}; its run has ended" : reason, ct: CancellationToken.None);
    }

    private Task<Lease> HeartbeatAsync(CellLease lease, CancellationToken ct) => store.HeartbeatAsync(lease.LeaseId, options.InstanceName, ct);

    private async Task MarkAsync(CellLease lease, IReadOnlyList<string> machineIds, MachineState to, string reason, CancellationToken ct)
    {
        if (!_byLease.ContainsKey(lease.LeaseId))
            throw new InvalidOperationException($"lease {lease.LeaseId} is not held by {options.InstanceName}");
        foreach (var machine in machineIds)
            await store.TransitionAsync(machine, to, $"{reason} (lease {lease.LeaseId})", ct);
    }

    private async Task ReleaseAsync(CellLease lease, IReadOnlyDictionary<string, string> suspect, CancellationToken ct)
    {
        if (!_byLease.TryRemove(lease.LeaseId, out var granted))
            throw new InvalidOperationException($"lease {lease.LeaseId} is not held by {options.InstanceName}");
        foreach (var (machine, reason) in suspect) await store.TransitionAsync(machine, MachineState.Suspect, reason, ct);
        await service.CompleteAsync(granted, options.InstanceName, "cell finished", ct);
        // The pipeline cleaned them while it still held the lease.
        foreach (var machine in granted.Lease.Machines.Where(m => !suspect.ContainsKey(m)))
            await store.TransitionAsync(machine, MachineState.Available, $"cleaned by {lease.LeaseId}", ct);
    }

    private CellLease ToCellLease(GrantedRequest granted)
    {
        _byLease[granted.Lease.Id] = granted;
        var byId = backend.Pool.Machines.ToDictionary(m => m.Id, StringComparer.Ordinal);
        CellMachine Of((string Role, string MachineId) a)
        {
            var machine = byId[a.MachineId];
            return new CellMachine(machine, backend.Profiles[machine.Profile], a.Role);
        }
        return new CellLease(granted.Lease.Id,
            [.. granted.Assignments.Where(a => a.Role != "spare").Select(Of)],
            [.. granted.Assignments.Where(a => a.Role == "spare").Select(Of)]);
    }

    public void Dispose() => _round.Dispose();

    private sealed class RunReservations(InstanceReservations owner, string runId) : ICellReservations
    {
        public Task<CellLease> ReserveAsync(MatrixCell cell, Plan plan, CancellationToken cancellationToken) => owner.ReserveAsync(runId, cell, plan, cancellationToken);
        public Task HeartbeatAsync(CellLease lease, CancellationToken cancellationToken) => owner.HeartbeatAsync(lease, cancellationToken);
        public Task MarkAsync(CellLease lease, IReadOnlyList<string> machineIds, MachineState to, string reason, CancellationToken cancellationToken) =>
            owner.MarkAsync(lease, machineIds, to, reason, cancellationToken);
        /// <summary>Nothing to do: the server's <see cref="StoreRunProgress"/> writes every phase of its runs' cells.</summary>
        public Task RecordPhaseAsync(CellLease lease, string phase, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task ReleaseAsync(CellLease lease, IReadOnlyDictionary<string, string> suspect, CancellationToken cancellationToken) =>
            owner.ReleaseAsync(lease, suspect, cancellationToken);
    }
}
