using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Provisioning;
using TestFarm.Core.Scheduling;

namespace TestFarm.Testing.Storage;

/// <summary>
/// In-memory stand-in for the SQL farm store: machines, gang leases, the request queue and the audit log, with
/// the same refusals (illegal transitions, foreign/expired/ended leases, all-or-nothing claims). One lock, so
/// it is safe from several threads. Runs and results are not kept here; the health history is.
/// </summary>
public sealed class InMemoryFarmStore(TimeProvider time) : IMachineStore, ILeaseStore, IRequestQueue, IEventLog, IHealthHistory
{
    private readonly List<HealthRecord> _health = [];

    public Task RecordHealthAsync(HealthRecord record, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            if (!_machines.ContainsKey(record.MachineId)) throw new KeyNotFoundException($"no machine '{record.MachineId}'");
            _health.RemoveAll(h => h.MachineId == record.MachineId && h.At < record.At - IHealthHistory.Retention);
            _health.Add(record);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<HealthRecord>> ReadHealthAsync(string machineId, int limit = 100, CancellationToken ct = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<HealthRecord>>([.. _health.Where(h => h.MachineId == machineId).Reverse().OrderByDescending(h => h.At).Take(limit)]);
        }
    }

    public Task<IReadOnlyDictionary<string, HealthRecord>> LatestHealthAsync(CancellationToken ct = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyDictionary<string, HealthRecord>>(
                _health.GroupBy(h => h.MachineId).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal));
        }
    }

    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, MachineRecord> _machines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private readonly List<QueuedRequest> _requests = [];
    private readonly List<AuditEvent> _events = [];

    public IReadOnlyList<AuditEvent> Events { get { lock (_gate) { return [.. _events]; } } }

    private void Audit(string kind, string subject, string? from, string to, string reason, string? lease) =>
        _events.Add(new AuditEvent { Seq = _events.Count + 1, At = time.GetUtcNow(), Kind = kind, Subject = subject, From = from, To = to, Reason = reason, LeaseId = lease });

    public Task RegisterAsync(IReadOnlyList<MachineRegistration> machines, CancellationToken ct = default)
    {
        lock (_gate)
        {
            foreach (var m in machines)
            {
                if (_machines.TryGetValue(m.Id, out var old)) { _machines[m.Id] = old with { Profile = m.Profile, L2Domain = m.L2Domain }; continue; }
                _machines[m.Id] = new MachineRecord { Id = m.Id, Profile = m.Profile, L2Domain = m.L2Domain, UpdatedAt = time.GetUtcNow() };
                Audit("machine", m.Id, null, nameof(MachineState.Available), "registered from pool", null);
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<MachineRecord>> ListMachinesAsync(CancellationToken ct = default)
    {
        lock (_gate) { return Task.FromResult<IReadOnlyList<MachineRecord>>([.. _machines.Values]); }
    }

    public Task<MachineRecord> TransitionAsync(string machineId, MachineState to, string reason, CancellationToken ct = default) =>
        MoveAsync(machineId, null, to, reason);

    public Task<MachineRecord> TransitionAsync(string machineId, MachineState from, MachineState to, string reason, CancellationToken ct = default) =>
        MoveAsync(machineId, from, to, reason);

    /// <summary>Runs just before a move is checked, under no lock (tests make a concurrent move there).</summary>
    public Func<string, Task>? BeforeMove { get; set; }

    private async Task<MachineRecord> MoveAsync(string machineId, MachineState? from, MachineState to, string reason)
    {
        if (from is { } f) MachineTransitions.Ensure(machineId, f, to);
        if (BeforeMove is { } hook) await hook(machineId);
        lock (_gate)
        {
            var r = _machines.TryGetValue(machineId, out var found) ? found : throw new KeyNotFoundException($"no machine '{machineId}'");
            if (from is { } expected && r.State != expected)
                throw new IllegalTransitionException($"machine {machineId} (is {r.State}, was expected {expected})", r.State.ToString(), to.ToString());
            var m = new Machine(r.Id, r.Profile, r.L2Domain, r.State, r.LeaseId);
            var e = m.MoveTo(to, reason, time.GetUtcNow(), r.LeaseId);
            _machines[machineId] = r with { State = m.State, LeaseId = m.LeaseId, UpdatedAt = e.At };
            Audit("machine", machineId, e.From.ToString(), e.To.ToString(), reason, r.LeaseId);
            return _machines[machineId];
        }
    }

    public Task<ClaimResult> ClaimMachinesAsync(string holder, string requestId, IReadOnlyList<string> machineIds, TimeSpan ttl, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var busy = machineIds.Where(id => !_machines.TryGetValue(id, out var m) || m.State != MachineState.Available).ToList();
            if (machineIds.Count == 0 || busy.Count > 0) return Task.FromResult(ClaimResult.Refused("not all machines available: " + string.Join(", ", busy)));
            return Task.FromResult(Grant(holder, requestId, machineIds, ttl));
        }
    }

    public Task<ClaimResult> ClaimAsync(string holder, ReservationRequest request, GangChooser chooser, TimeSpan ttl, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var choice = chooser.Choose(request, _machines.Values.Where(m => m.State == MachineState.Available).ToList());
            return Task.FromResult(choice is null ? ClaimResult.Refused($"request {request.Id}: available machines cannot satisfy it") : Grant(holder, request.Id, choice.MachineIds, ttl));
        }
    }

    private ClaimResult Grant(string holder, string requestId, IReadOnlyList<string> ids, TimeSpan ttl)
    {
        var now = time.GetUtcNow();
        var lease = new Lease { Id = Guid.NewGuid().ToString("N"), Holder = holder, RequestId = requestId, Machines = ids, Ttl = ttl, GrantedAt = now, ExpiresAt = now + ttl };
        _leases[lease.Id] = lease;
        foreach (var id in ids)
        {
            _machines[id] = _machines[id] with { State = MachineState.Reserved, LeaseId = lease.Id, UpdatedAt = now };
            Audit("machine", id, nameof(MachineState.Available), nameof(MachineState.Reserved), $"claimed for {requestId} by {holder}", lease.Id);
        }
        Audit("lease", lease.Id, null, nameof(LeaseState.Active), $"granted to {holder}", lease.Id);
        return new ClaimResult(lease, null);
    }

    public Task<Lease> HeartbeatAsync(string leaseId, string holder, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var beat = Find(leaseId).Heartbeat(holder, time.GetUtcNow());
            _leases[leaseId] = beat;
            return Task.FromResult(beat);
        }
    }

    public Task<Lease> HoldUntilAsync(string leaseId, string holder, DateTimeOffset until, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var beat = Find(leaseId).HoldUntil(holder, time.GetUtcNow(), until);
            _leases[leaseId] = beat;
            return Task.FromResult(beat);
        }
    }

    public Task<Lease> ReleaseAsync(string leaseId, string holder, string reason, CancellationToken ct = default)
    {
        lock (_gate) { return Task.FromResult(End(Find(leaseId).Release(holder, time.GetUtcNow(), reason))); }
    }

    public Task<IReadOnlyList<Lease>> ReapExpiredAsync(CancellationToken ct = default)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            return Task.FromResult<IReadOnlyList<Lease>>(_leases.Values.Where(l => l.IsExpired(now)).ToList().Select(l => End(l.Reap(now))).ToList());
        }
    }

    public Task<Lease?> ReclaimAsync(string leaseId, string holder, DateTimeOffset grantedBefore, string reason, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (!_leases.TryGetValue(leaseId, out var l) || l.State != LeaseState.Active || l.Holder != holder || l.GrantedAt >= grantedBefore)
                return Task.FromResult<Lease?>(null);
            return Task.FromResult<Lease?>(End(l.Reclaim(holder, time.GetUtcNow(), reason)));
        }
    }

    private Lease End(Lease ended)
    {
        _leases[ended.Id] = ended;
        var reason = $"lease {ended.Id} {ended.State.ToString().ToLowerInvariant()}: {ended.EndReason}";
        foreach (var m in _machines.Values.Where(m => m.LeaseId == ended.Id).ToList())
        {
            _machines[m.Id] = m with { State = MachineState.Cleaning, LeaseId = null, UpdatedAt = ended.EndedAt!.Value };
            Audit("machine", m.Id, m.State.ToString(), nameof(MachineState.Cleaning), reason, ended.Id);
        }
        Audit("lease", ended.Id, nameof(LeaseState.Active), ended.State.ToString(), ended.EndReason!, ended.Id);
        return ended;
    }

    private Lease Find(string leaseId) =>
        _leases.TryGetValue(leaseId, out var l) ? l : throw new LeaseRefusedException(leaseId, LeaseRefusal.NotFound, $"no lease '{leaseId}'");

    public Task<Lease?> GetLeaseAsync(string leaseId, CancellationToken ct = default)
    {
        lock (_gate) { return Task.FromResult(_leases.GetValueOrDefault(leaseId)); }
    }

    public Task<IReadOnlyList<Lease>> ListLeasesAsync(bool activeOnly, CancellationToken ct = default)
    {
        lock (_gate) { return Task.FromResult<IReadOnlyList<Lease>>(_leases.Values.Where(l => !activeOnly || l.State == LeaseState.Active).OrderBy(l => l.GrantedAt).ToList()); }
    }

    public Task EnqueueAsync(ReservationRequest request, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (_requests.Any(r => r.Request.Id == request.Id)) throw new InvalidOperationException($"request {request.Id} is already queued");
            _requests.Add(new QueuedRequest(request, RequestState.Queued, null, null));
            Audit("request", request.Id, null, nameof(RequestState.Queued), $"{request.Priority} from {request.Repository}", null);
        }
        return Task.CompletedTask;
    }

    public Task SetStateAsync(string requestId, RequestState state, string? reason, string? leaseId = null, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var i = _requests.FindIndex(r => r.Request.Id == requestId);
            if (i < 0) throw new KeyNotFoundException($"no request '{requestId}'");
            Audit("request", requestId, _requests[i].State.ToString(), state.ToString(), reason ?? state.ToString(), leaseId);
            _requests[i] = _requests[i] with { State = state, Reason = reason, LeaseId = leaseId };
            if (state.IsOpen()) _endedAt.Remove(requestId);
            else _endedAt[requestId] = time.GetUtcNow();
        }
        return Task.CompletedTask;
    }

    private readonly Dictionary<string, DateTimeOffset> _endedAt = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<QueuedRequest>> ListOpenAsync(CancellationToken ct = default)
    {
        lock (_gate) { return Task.FromResult<IReadOnlyList<QueuedRequest>>(_requests.Where(r => r.State.IsOpen()).ToList()); }
    }

    public Task<QueuedRequest?> GetAsync(string requestId, CancellationToken ct = default)
    {
        lock (_gate) { return Task.FromResult(_requests.FirstOrDefault(r => r.Request.Id == requestId)); }
    }

    public Task<IReadOnlyList<QueuedRequest>> ListOpenOfRunAsync(string runId, CancellationToken ct = default)
    {
        lock (_gate) { return Task.FromResult<IReadOnlyList<QueuedRequest>>(_requests.Where(r => r.State.IsOpen() && ReservationRequest.RunOf(r.Request.Id) == runId).ToList()); }
    }

    public Task<int> PruneEndedAsync(DateTimeOffset endedBefore, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var gone = _endedAt.Where(e => e.Value < endedBefore).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var id in gone) _endedAt.Remove(id);
            return Task.FromResult(_requests.RemoveAll(r => gone.Contains(r.Request.Id)));
        }
    }

    public Task<IReadOnlyList<QueuedRequest>> ListAsync(RequestState? state = null, CancellationToken ct = default)
    {
        lock (_gate) { return Task.FromResult<IReadOnlyList<QueuedRequest>>(_requests.Where(r => state is null || r.State == state).ToList()); }
    }

    public Task AppendAsync(AuditEvent e, CancellationToken ct = default)
    {
        lock (_gate) { _events.Add(e with { Seq = _events.Count + 1 }); }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditEvent>> ReadAsync(string? subject = null, long afterSeq = 0, int limit = 1000, CancellationToken ct = default)
    {
        lock (_gate) { return Task.FromResult<IReadOnlyList<AuditEvent>>(_events.Where(e => e.Seq > afterSeq && (subject is null || e.Subject == subject)).Take(limit).ToList()); }
    }
}
