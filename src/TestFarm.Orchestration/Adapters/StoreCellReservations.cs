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
    public required string RunId { get; init; }
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>How often a waiting cell asks for a scheduling round.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
    public string Repository { get; init; } = "default";
}

/// <summary>
/// Cells reserve through the farm store: a request per cell is admitted and queued, scheduling rounds are run
/// one at a time for this holder, and each grant goes to the cell that asked for it (a round may start
/// several). Release hands suspect machines over as Suspect and the rest back to Available, since the
/// pipeline has cleaned them while it still held the lease.
/// </summary>
public sealed class StoreCellReservations(
    ReservationService service, ILeaseStore leases, IMachineStore machines,
    PoolInventory pool, IReadOnlyDictionary<string, HardwareProfile> profiles,
    ReservationSettings settings, TimeProvider time, IEventLog? events = null) : ICellReservations, IDisposable
{
    private readonly SemaphoreSlim _round = new(1, 1);
    private readonly ConcurrentDictionary<string, GrantedRequest> _granted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GrantedRequest> _byLease = new(StringComparer.Ordinal);

    public async Task<CellLease> ReserveAsync(MatrixCell cell, Plan plan, CancellationToken cancellationToken)
    {
        var request = ReservationRequest.ForCell(cell, plan, settings.RunId, time.GetUtcNow(), settings.Repository);
        var admission = await service.SubmitAsync(request, cancellationToken);
        if (!admission.Admitted)
            throw new InvalidOperationException($"cell {cell.Id} cannot be admitted: {string.Join("; ", admission.Reasons)}");
        while (true)
        {
            if (_granted.TryRemove(request.Id, out var mine)) return ToCellLease(mine);
            await _round.WaitAsync(cancellationToken);
            try
            {
                foreach (var granted in await service.ScheduleAsync(settings.Holder, settings.LeaseTtl, cancellationToken))
                    _granted[granted.Request.Id] = granted;
            }
            finally { _round.Release(); }
            if (_granted.TryRemove(request.Id, out mine)) return ToCellLease(mine);
            await Task.Delay(settings.PollInterval, time, cancellationToken);
        }
    }

    public Task HeartbeatAsync(CellLease lease, CancellationToken cancellationToken) =>
        leases.HeartbeatAsync(lease.LeaseId, settings.Holder, cancellationToken);

    public async Task MarkAsync(CellLease lease, IReadOnlyList<string> machineIds, MachineState to, string reason, CancellationToken cancellationToken)
    {
        if (!_byLease.ContainsKey(lease.LeaseId))
            throw new InvalidOperationException($"lease {lease.LeaseId} is not held by {settings.Holder}");
        foreach (var machine in machineIds)
            await machines.TransitionAsync(machine, to, $"{reason} (lease {lease.LeaseId})", cancellationToken);
    }

    public async Task RecordPhaseAsync(CellLease lease, string phase, CancellationToken cancellationToken)
    {
        if (events is null || !_byLease.TryGetValue(lease.LeaseId, out var granted)) return;
        await events.AppendAsync(CellPhaseEvent.Of(granted.Request.Id, lease.LeaseId, phase, CellPhaseEvent.Started, $"entered phase {phase}", time.GetUtcNow()), cancellationToken);
    }

    public async Task ReleaseAsync(CellLease lease, IReadOnlyDictionary<string, string> suspect, CancellationToken cancellationToken)
    {
        if (!_byLease.TryRemove(lease.LeaseId, out var granted))
            throw new InvalidOperationException($"lease {lease.LeaseId} is not held by {settings.Holder}");
        foreach (var (machine, reason) in suspect)
            await machines.TransitionAsync(machine, MachineState.Suspect, reason, cancellationToken);
        await service.CompleteAsync(granted, settings.Holder, "cell finished", cancellationToken);
        foreach (var machine in granted.Lease.Machines.Where(m => !suspect.ContainsKey(m)))
            await machines.TransitionAsync(machine, MachineState.Available, $"cleaned by {lease.LeaseId}", cancellationToken);
    }

    public void Dispose() => _round.Dispose();

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
}
