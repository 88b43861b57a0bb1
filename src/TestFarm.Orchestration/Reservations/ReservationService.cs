using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Hardware;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Pool;
using TestFarm.Core.Scheduling;

namespace TestFarm.Orchestration.Reservations;

/// <summary>Weights of people's reservations, nightlies and pull requests, and how long a nightly must wait longer to pass a person (null: never).</summary>
public sealed record InteractiveLean(double Interactive, double Nightly, double PullRequest, TimeSpan? NightlyCatchUp);

/// <summary>A request that got its machines in this round.</summary>
public sealed record GrantedRequest(ReservationRequest Request, Lease Lease, bool Backfilled)
{
    /// <summary>Which machine plays which topology role (spares as <c>spare</c>), in the lease's order.</summary>
    public IReadOnlyList<(string Role, string MachineId)> Assignments { get; init; } = [];
}

/// <summary>
/// Glue between the pure policy and the store: registers the pool, admits and queues requests, runs one
/// scheduling round (decide, then claim each placement all-or-nothing; a placement lost to another instance
/// simply stays queued), reports the queue, and completes requests. With <paramref name="history"/> the scheduler's
/// duration estimates are refreshed from the store's finished cells before each decision.
/// </summary>
public sealed class ReservationService(
    FarmScheduler scheduler, IMachineStore machines, ILeaseStore leases, IRequestQueue queue, TimeProvider time, ILogger<ReservationService>? log = null,
    StoreDurationHistory? history = null)
{
    private readonly ILogger _log = (ILogger?)log ?? NullLogger.Instance;
    private readonly QueueExplainer _explainer = new(scheduler);

    /// <summary>
    /// The scheduler's state kept between rounds: each round syncs it with the store's snapshot (only what changed is
    /// applied) instead of the scheduler rebuilding its view of the farm; one round at a time uses it.
    /// </summary>
    private readonly SchedulerState _state = new();
    private readonly Lock _stateGate = new();

    /// <summary>Who tells which granted requests are held by people and until when (the hands-on service sets itself); null: nobody.</summary>
    internal IHeldRequests? Held { get; set; }

    /// <summary>How often the history of one plan × profile is read again from the store.</summary>
    public static readonly TimeSpan HistoryRefresh = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The farm's service over one store: the farm policy with <paramref name="policy"/>, hold times estimated as the median
    /// of the store's finished cells per plan × profile, else from the plan's phase deadlines, else one hour.
    /// </summary>
    public static ReservationService OverStore<TStore>(TStore store, IReadOnlyDictionary<string, HardwareProfile> profiles, PolicyOptions policy, TimeProvider time,
        ILogger<ReservationService>? log = null) where TStore : IMachineStore, ILeaseStore, IRequestQueue, IRunStore
    {
        var estimator = new HistoryDurationEstimator(TimeSpan.FromHours(1));
        return new ReservationService(new FarmScheduler(new GangChooser(profiles), policy, estimator), store, store, store, time, log,
            new StoreDurationHistory(store, estimator, time, HistoryRefresh));
    }

    /// <summary>How the policy ranks people against CI: the weights, and how much longer a nightly waits before it passes a person.</summary>
    public InteractiveLean Weights
    {
        get
        {
            var o = scheduler.Options;
            var (person, nightly) = (o.Weight(PriorityClass.Interactive), o.Weight(PriorityClass.Nightly));
            return new InteractiveLean(person, nightly, o.Weight(PriorityClass.PullRequest),
                o.AgingPerHour > 0 ? TimeSpan.FromHours(Math.Max(0, person - nightly) / o.AgingPerHour) : null);
        }
    }

    public Task RegisterPoolAsync(PoolInventory pool, CancellationToken ct = default) =>
        machines.RegisterAsync(pool.Machines.Select(m => new MachineRegistration(m.Id, m.Profile, m.Location.L2Domain)).ToList(), ct);

    /// <summary>Admission control then enqueue. A rejected request is recorded as Rejected with its reasons.</summary>
    public async Task<AdmissionResult> SubmitAsync(ReservationRequest request, CancellationToken ct = default)
    {
        var admission = _explainer.Admit(request, await machines.ListMachinesAsync(ct).ConfigureAwait(false));
        await queue.EnqueueAsync(request, ct).ConfigureAwait(false);
        if (!admission.Admitted)
        {
            var reason = string.Join("; ", admission.Reasons);
            ReservationLog.Rejected(_log, request.Id, reason);
            await queue.SetStateAsync(request.Id, RequestState.Rejected, reason, ct: ct).ConfigureAwait(false);
        }
        return admission;
    }

    /// <summary>One round: decides with the farm policy and claims every placement for <paramref name="holder"/>.</summary>
    public async Task<IReadOnlyList<GrantedRequest>> ScheduleAsync(string holder, TimeSpan ttl, CancellationToken ct = default)
    {
        var input = await SnapshotAsync(ct).ConfigureAwait(false);
        if (input.Queue.Count == 0) return [];
        SchedulingDecision decision;
        lock (_stateGate)
        {
            _state.Sync(input);
            decision = scheduler.Decide(_state);
        }
        var granted = new List<GrantedRequest>();
        foreach (var p in decision.Start)
        {
            var claim = await leases.ClaimMachinesAsync(holder, p.Request.Id, p.Choice.MachineIds, ttl, ct).ConfigureAwait(false);
            if (!claim.Granted) { ReservationLog.ClaimLost(_log, p.Request.Id, claim.Refusal!); continue; }
            await queue.SetStateAsync(p.Request.Id, RequestState.Granted, p.Backfilled ? "granted (backfilled)" : "granted", claim.Lease!.Id, ct).ConfigureAwait(false);
            ReservationLog.Started(_log, p.Request.Id, claim.Lease.Id, p.Backfilled);
            granted.Add(new GrantedRequest(p.Request, claim.Lease, p.Backfilled) { Assignments = p.Choice.Assignments });
        }
        return granted;
    }

    /// <summary>Position, blocking constraint and ETA of each queued request.</summary>
    public async Task<IReadOnlyList<QueueEntryStatus>> QueueStatusAsync(CancellationToken ct = default)
    {
        var input = await SnapshotAsync(ct).ConfigureAwait(false);
        return _explainer.Explain(input, scheduler.Decide(input));
    }

    /// <summary>Releases the request's lease (machines to Cleaning) and marks the request Done.</summary>
    public async Task CompleteAsync(GrantedRequest granted, string holder, string reason, CancellationToken ct = default)
    {
        await leases.ReleaseAsync(granted.Lease.Id, holder, reason, ct).ConfigureAwait(false);
        await queue.SetStateAsync(granted.Request.Id, RequestState.Done, reason, granted.Lease.Id, ct).ConfigureAwait(false);
    }

    private async Task<SchedulerInput> SnapshotAsync(CancellationToken ct)
    {
        var all = await queue.ListOpenAsync(ct).ConfigureAwait(false);
        var active = (await leases.ListLeasesAsync(activeOnly: true, ct).ConfigureAwait(false)).ToDictionary(l => l.Id, StringComparer.Ordinal);
        var queued = all.Where(q => q.State == RequestState.Queued).Select(q => q.Request).ToList();
        var holding = all.Where(q => q.State == RequestState.Granted && q.LeaseId is not null && active.ContainsKey(q.LeaseId)).ToList();
        // Estimates first: the running holds' expected ends below use them too.
        if (history is not null && queued.Count > 0)
            await history.RefreshAsync([.. queued, .. holding.Select(q => q.Request)], ct).ConfigureAwait(false);
        // A request a person holds (a Ready reservation, a failed cell held) ends with the reservation, not after its estimate.
        var heldUntil = Held is { } held && holding.Count > 0 ? await held.HeldUntilAsync(ct).ConfigureAwait(false) : null;
        var running = new List<RunningHold>();
        foreach (var q in holding)
        {
            var lease = active[q.LeaseId!];
            var end = heldUntil is not null && heldUntil.TryGetValue(q.Request.Id, out var until) ? until : lease.GrantedAt + scheduler.Estimate(q.Request);
            running.Add(new RunningHold(q.Request.Id, q.Request.Repository, lease.Machines, end) { Priority = q.Request.Priority });
        }
        return new SchedulerInput
        {
            Machines = await machines.ListMachinesAsync(ct).ConfigureAwait(false),
            Queue = queued,
            Running = running,
            Now = time.GetUtcNow(),
        };
    }
}
