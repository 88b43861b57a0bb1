using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Hardware;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Pool;
using TestFarm.Core.Scheduling;
using TestFarm.Orchestration.HandsOn;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Orchestration.Reservations;

namespace TestFarm.Orchestration.Adapters;

/// <summary>The store's parts that reservations write to.</summary>
public sealed record ReservationStores(ILeaseStore Leases, IMachineStore Machines, IRequestQueue Queue, IEventLog? PhaseEvents = null);

/// <summary>
/// Gang reservations of one farm instance through the farm store, shared by all the runs it executes, with one
/// reservation broker: a loop that owns this instance's scheduling rounds. A cell's request is admitted and queued, then
/// the cell waits for its grant without polling; the broker runs a round when a request is submitted or a lease released
/// here, and every <see cref="ReservationSettings.RoundInterval"/> while cells wait (so another instance's release is
/// noticed), and hands each grant to the cell that waits for it (a round may start several). A grant nobody here waits
/// for (another instance's cell, a cell that gave up, a run that ended) is handed back at once: lease released, its
/// untouched machines back to Available, the request queued again, or cancelled when <c>runEnded</c> says its run is
/// over. Release hands suspect machines over as Suspect and the rest back to Available, since the pipeline has cleaned
/// them while it still held the lease. With <see cref="ReservationStores.PhaseEvents"/> every phase under a lease is
/// audited. The broker also prunes requests ended longer than <see cref="ReservationSettings.RequestRetention"/> ago.
/// It starts with the host (<see cref="IHostedService"/>) or with the first reservation, and stops with the host or
/// on <see cref="Dispose"/>; cells still waiting then fail, naming the instance.
/// </summary>
public sealed class StoreCellReservations : IHostedService, IDisposable
{
    /// <summary>Rounds that fail in a row (store unreachable, say) before the waiting cells are failed with the error.</summary>
    public const int FailWaitersAfter = 3;

    private readonly ReservationService _service;
    private readonly ReservationStores _stores;
    private readonly PoolInventory _pool;
    private readonly IReadOnlyDictionary<string, HardwareProfile> _profiles;
    private readonly ReservationSettings _settings;
    private readonly TimeProvider _time;
    private readonly Func<string, CancellationToken, Task<bool>> _runEnded;
    private readonly ILogger _log;
    private readonly BrokerLoop _broker;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<GrantedRequest>> _waiting = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GrantedRequest> _byLease = new(StringComparer.Ordinal);
    private int _failedRounds;
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    public StoreCellReservations(
        ReservationService service, ReservationStores stores, PoolInventory pool, IReadOnlyDictionary<string, HardwareProfile> profiles,
        ReservationSettings settings, TimeProvider time, Func<string, CancellationToken, Task<bool>> runEnded, ILogger<StoreCellReservations>? log = null)
    {
        ReservationSettingsValidator.Ensure(settings);
        (_service, _stores, _pool, _profiles, _settings, _time, _runEnded) = (service, stores, pool, profiles, settings, time, runEnded);
        _log = (ILogger?)log ?? NullLogger.Instance;
        _broker = new BrokerLoop(RoundAsync, settings.RoundInterval, time);
    }

    /// <summary>
    /// The reservations of one run's cells (its requests are named after the run: <c>run/cell</c>, and <c>run/cell#N</c> for
    /// attempt N above the first, which retries a cell whose earlier attempt was lost with its farm instance).
    /// </summary>
    public ICellReservations ForRun(string runId, string repository = "default", int attempt = 1) => new RunReservations(this, runId, repository, attempt);

    /// <summary>Starts the broker (a reservation also does).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _broker.Start();
        return Task.CompletedTask;
    }

    /// <summary>Who takes failed cells' leases as hands-on reservations on this instance (the hands-on service sets itself); null: nobody.</summary>
    internal ICellHolds? Holds { get; set; }

    /// <summary>Asks the broker for a round now (after machines were handed back outside a cell's release).</summary>
    public void Kick() => _broker.Kick();

    /// <summary>Stops the broker; cells still waiting for machines fail.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _broker.StopAsync().ConfigureAwait(false);
        FailWaiting(new InvalidOperationException($"the reservation broker of {_settings.Holder} has stopped"));
    }

    private async Task<CellLease> ReserveAsync(string runId, string repository, int attempt, MatrixCell cell, Plan plan, CancellationToken ct)
    {
        var request = ReservationRequest.ForCell(cell, plan, runId, _time.GetUtcNow(), repository, _settings.FarmUtcOffset) with { EstimatedDuration = PipelinePhases.LongestHold(plan) };
        if (attempt > 1) request = request with { Id = $"{request.Id}#{attempt}" };
        return ToCellLease(await WaitForGrantAsync(request, $"cell {cell.Id}", $"cell {cell.Id} of run {runId}", alreadyQueued: false, ct));
    }

    /// <summary>Who holds this instance's leases (<see cref="ReservationSettings.Holder"/>).</summary>
    public string Holder => _settings.Holder;

    /// <summary>
    /// Queues <paramref name="request"/> through the same broker as the cells (or, with <paramref name="alreadyQueued"/>, waits
    /// for a request left Queued in the store, e.g. before a restart) and returns its grant; the caller then owns the lease
    /// (heartbeat and release it with <see cref="Holder"/>). Used by people's hands-on reservations.
    /// </summary>
    public Task<GrantedRequest> AcquireAsync(ReservationRequest request, bool alreadyQueued, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        return WaitForGrantAsync(request, $"request {request.Id}", $"request {request.Id}", alreadyQueued, ct);
    }

    private async Task<GrantedRequest> WaitForGrantAsync(ReservationRequest request, string what, string whoWaits, bool alreadyQueued, CancellationToken ct)
    {
        var mine = new TaskCompletionSource<GrantedRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Waiting before it is queued: a round that grants it at once must find its cell.
        if (!_waiting.TryAdd(request.Id, mine)) throw new InvalidOperationException($"{whoWaits} is already waiting for machines");
        try
        {
            _broker.Start();
            if (!alreadyQueued)
            {
                var admission = await _service.SubmitAsync(request, ct);
                if (!admission.Admitted) throw new InvalidOperationException($"{what} cannot be admitted: {string.Join("; ", admission.Reasons)}");
            }
            _broker.Kick();
            GrantedRequest granted;
            using (ct.Register(() => mine.TrySetCanceled(ct))) granted = await mine.Task;
            if (ct.IsCancellationRequested)
            {
                // Granted just as the cell gave up: nobody will use the machines, hand them back.
                await HandBackAsync(granted, "its cell was cancelled");
                _broker.Kick();
                ct.ThrowIfCancellationRequested();
            }
            return granted;
        }
        finally
        {
            _waiting.TryRemove(new KeyValuePair<string, TaskCompletionSource<GrantedRequest>>(request.Id, mine));
        }
    }

    /// <summary>One turn of the broker: prune when due, then a scheduling round if any cell here waits.</summary>
    private async Task RoundAsync(CancellationToken stop)
    {
        await PruneIfDueAsync(stop);
        if (_waiting.IsEmpty) return;
        try
        {
            foreach (var granted in await _service.ScheduleAsync(_settings.Holder, _settings.LeaseTtl, stop))
            {
                if (_waiting.TryRemove(granted.Request.Id, out var waiter) && waiter.TrySetResult(granted)) continue;
                await HandBackAsync(granted, $"no cell of {_settings.Holder} waits for it");
            }
            _failedRounds = 0;
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            ReservationLog.RoundFailed(_log, _settings.Holder, ++_failedRounds, e.Message);
            if (_failedRounds < FailWaitersAfter) return;
            _failedRounds = 0;
            FailWaiting(new InvalidOperationException($"{FailWaitersAfter} reservation rounds of {_settings.Holder} failed in a row: {e.Message}", e));
        }
    }

    private async Task PruneIfDueAsync(CancellationToken stop)
    {
        var now = _time.GetUtcNow();
        if (now < _nextPrune) return;
        _nextPrune = now + _settings.PruneInterval;
        try
        {
            var pruned = await _stores.Queue.PruneEndedAsync(now - _settings.RequestRetention, stop);
            if (pruned > 0) ReservationLog.Pruned(_log, pruned, _settings.RequestRetention);
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            ReservationLog.PruneFailed(_log, e.Message);
        }
    }

    private void FailWaiting(Exception error)
    {
        foreach (var id in _waiting.Keys)
            if (_waiting.TryRemove(id, out var waiter)) waiter.TrySetException(error);
    }

    private async Task HandBackAsync(GrantedRequest granted, string why)
    {
        var reason = $"handed back: {why}";
        await _stores.Leases.ReleaseAsync(granted.Lease.Id, _settings.Holder, reason, CancellationToken.None);
        foreach (var machine in granted.Lease.Machines)
            await _stores.Machines.TransitionAsync(machine, MachineState.Available, $"{reason} (never touched)", CancellationToken.None);
        // A person's hands-on request belongs to no run: it waits in the queue until its own instance's broker grants it.
        var ended = !Core.HandsOn.HandsOnReservation.IsHandsOnRequest(granted.Request.Id)
            && await _runEnded(ReservationRequest.RunOf(granted.Request.Id), CancellationToken.None);
        await _stores.Queue.SetStateAsync(granted.Request.Id, ended ? RequestState.Cancelled : RequestState.Queued,
            ended ? $"{reason}; its run has ended" : reason, ct: CancellationToken.None);
    }

    private Task<Lease> HeartbeatAsync(CellLease lease, CancellationToken ct) => _stores.Leases.HeartbeatAsync(lease.LeaseId, _settings.Holder, ct);

    private async Task MarkAsync(CellLease lease, IReadOnlyList<string> machineIds, MachineState to, string reason, CancellationToken ct)
    {
        if (!_byLease.ContainsKey(lease.LeaseId)) throw NotHeld(lease);
        foreach (var machine in machineIds)
            await _stores.Machines.TransitionAsync(machine, to, $"{reason} (lease {lease.LeaseId})", ct);
    }

    private async Task RecordPhaseAsync(CellLease lease, string phase, CancellationToken ct)
    {
        if (_stores.PhaseEvents is not { } events || !_byLease.TryGetValue(lease.LeaseId, out var granted)) return;
        await events.AppendAsync(CellPhaseEvent.Of(granted.Request.Id, lease.LeaseId, phase, CellPhaseEvent.Started, $"entered phase {phase}", _time.GetUtcNow()), ct);
    }

    private async Task ReleaseAsync(CellLease lease, IReadOnlyDictionary<string, string> suspect, CancellationToken ct)
    {
        if (!_byLease.TryRemove(lease.LeaseId, out var granted)) throw NotHeld(lease);
        foreach (var (machine, reason) in suspect) await _stores.Machines.TransitionAsync(machine, MachineState.Suspect, reason, ct);
        await _service.CompleteAsync(granted, _settings.Holder, "cell finished", ct);
        foreach (var machine in granted.Lease.Machines.Where(m => !suspect.ContainsKey(m)))
            await _stores.Machines.TransitionAsync(machine, MachineState.Available, $"cleaned by {lease.LeaseId}", ct);
        _broker.Kick();
    }

    /// <summary>
    /// Hands a cell's lease to <see cref="Holds"/> as it is: the lease stays active under this instance's holder (the hands-on
    /// driver heartbeats it from then on), its request stays Granted until the reservation ends, so the broker never sees the
    /// machines free in between.
    /// </summary>
    private async Task<string?> HoldAsync(string runId, CellLease lease, CellHold hold, CancellationToken ct)
    {
        if (Holds is not { } holds || !_byLease.TryGetValue(lease.LeaseId, out var granted)) return null;
        var id = await holds.HoldAsync(runId, granted.Request.Id, granted.Lease, hold, ct);
        if (id is not null) _byLease.TryRemove(lease.LeaseId, out _);
        return id;
    }

    private InvalidOperationException NotHeld(CellLease lease) => new($"lease {lease.LeaseId} is not held by {_settings.Holder}");

    private CellLease ToCellLease(GrantedRequest granted)
    {
        _byLease[granted.Lease.Id] = granted;
        var byId = _pool.Machines.ToDictionary(m => m.Id, StringComparer.Ordinal);
        CellMachine Of((string Role, string MachineId) a)
        {
            var machine = byId[a.MachineId];
            return new CellMachine(machine, _profiles[machine.Profile], a.Role);
        }
        return new CellLease(granted.Lease.Id,
            [.. granted.Assignments.Where(a => a.Role != "spare").Select(Of)],
            [.. granted.Assignments.Where(a => a.Role == "spare").Select(Of)]);
    }

    public void Dispose()
    {
        _broker.Dispose();
        FailWaiting(new ObjectDisposedException(nameof(StoreCellReservations), $"the reservation broker of {_settings.Holder} has stopped"));
    }

    private sealed class RunReservations(StoreCellReservations owner, string runId, string repository, int attempt) : ICellReservations
    {
        public Task<CellLease> ReserveAsync(MatrixCell cell, Plan plan, CancellationToken cancellationToken) => owner.ReserveAsync(runId, repository, attempt, cell, plan, cancellationToken);
        public Task HeartbeatAsync(CellLease lease, CancellationToken cancellationToken) => owner.HeartbeatAsync(lease, cancellationToken);
        public Task MarkAsync(CellLease lease, IReadOnlyList<string> machineIds, MachineState to, string reason, CancellationToken cancellationToken) =>
            owner.MarkAsync(lease, machineIds, to, reason, cancellationToken);
        public Task RecordPhaseAsync(CellLease lease, string phase, CancellationToken cancellationToken) => owner.RecordPhaseAsync(lease, phase, cancellationToken);
        public Task ReleaseAsync(CellLease lease, IReadOnlyDictionary<string, string> suspect, CancellationToken cancellationToken) =>
            owner.ReleaseAsync(lease, suspect, cancellationToken);
        public Task<string?> HoldAsync(CellLease lease, CellHold hold, CancellationToken cancellationToken) => owner.HoldAsync(runId, lease, hold, cancellationToken);
    }
}
