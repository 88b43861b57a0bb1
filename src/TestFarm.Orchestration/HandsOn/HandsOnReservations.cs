using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.HandsOn;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Reservations;

namespace TestFarm.Orchestration.HandsOn;

/// <summary>
/// People's hands-on reservations on this instance: asked, read, extended and released through the API, each carried by a
/// <see cref="HandsOnDriver"/> through the same broker and scheduler as the cells (priority class Interactive). Starts with
/// the host and picks up every open reservation the store has (a restart keeps reservations and deadlines); stops before the
/// broker does. Also answers <see cref="IMachineHolders"/>: the owner of a Ready reservation holds its machines; and tells the
/// scheduler (<see cref="IHeldRequests"/>) that a Ready reservation's request is held until its end, for queue ETAs.
/// </summary>
public sealed class HandsOnReservations : IHostedService, IMachineHolders, ICellHolds, IHeldRequests, IDisposable
{
    private readonly ConcurrentDictionary<string, HandsOnDriver> _drivers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly ReservationService _service;

    public HandsOnReservations(HandsOnStores stores, StoreCellReservations cells, ReservationService service, HandsOnMachines machines,
        HandsOnOptions options, TimeProvider time, ILogger<HandsOnReservations>? log = null)
    {
        if (options.Problems() is { Count: > 0 } problems) throw new ArgumentException("hands-on options: " + string.Join("; ", problems), nameof(options));
        (Stores, Cells, _service, Machines, Options, Time) = (stores, cells, service, machines, options, time);
        Log = (ILogger?)log ?? NullLogger.Instance;
        cells.Holds = this;
        service.Held = this;
    }

    internal HandsOnStores Stores { get; }
    internal StoreCellReservations Cells { get; }
    internal HandsOnMachines Machines { get; }
    internal TimeProvider Time { get; }
    internal ILogger Log { get; }
    public HandsOnOptions Options { get; }

    /// <summary>This instance's pool machines by id (their addresses for the API and pages).</summary>
    public IReadOnlyDictionary<string, Core.Pool.PoolMachine> MachinesById => Machines.Pool.Machines.ToDictionary(m => m.Id, StringComparer.Ordinal);

    /// <summary>Resumes every open reservation and cancels hands-on requests whose reservation has ended.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var open = await Stores.Reservations.ListHandsOnAsync(openOnly: true, ct: cancellationToken);
        var live = open.Select(r => r.RequestId).ToHashSet(StringComparer.Ordinal);
        foreach (var q in await Stores.Queue.ListOpenAsync(cancellationToken))
        {
            if (q.State == RequestState.Queued && HandsOnReservation.IsHandsOnRequest(q.Request.Id) && !live.Contains(q.Request.Id))
                await Stores.Queue.SetStateAsync(q.Request.Id, RequestState.Cancelled, "its reservation has ended", ct: cancellationToken);
        }
        foreach (var r in open) Drive(r.Id);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) == 1) return;
        await _stop.CancelAsync();
        await Task.WhenAll(_drivers.Values.Select(d => d.Running ?? Task.CompletedTask)).WaitAsync(cancellationToken);
    }

    /// <summary>Checks the ask (each problem naming its field), saves it Queued and starts its driver.</summary>
    public async Task<(HandsOnReservation? Reservation, IReadOnlyList<HandsOnFieldError> Errors)> CreateAsync(HandsOnAsk ask, string owner, bool admin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ask);
        var pool = (await Stores.Machines.ListMachinesAsync(ct)).Where(m => MachineTransitions.IsServiceable(m.State) && Machines.Profiles.ContainsKey(m.Profile))
            .GroupBy(m => m.Profile).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var like = ask.LikeCell is { } cell ? await LikenessAsync(cell, ct) : null;
        var (profile, count, build, duration, errors) = HandsOnAskValidator.Check(ask, Options.Policy, pool, like, admin);
        if (ask.DeployCluster && Machines.Clusters is null)
            errors = [.. errors, new HandsOnFieldError("deployCluster", "deploying a cluster on a reservation is not offered by this farm (no cluster bring-up here); ask without it")];
        else if (ask.DeployCluster && errors.Count == 0 && Machines.Clusters!.Choose(profile, ask.LikeCell) is null)
            errors = [.. errors, new HandsOnFieldError("deployCluster", "no plan here says how to deploy a cluster (deployer, Kubernetes version); ask without it")];
        if (errors.Count > 0) return (null, errors);
        var now = Time.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString("N");
        // "Like cell X" asks first for the cell's own machines; when that cannot even be asked, it says so at once.
        var (preferred, noPreference) = like is null ? (null, null) : SameMachines.Preference(like, profile, count, m => Machines.Pool.Machines.Any(p => p.Id == m));
        var r = new HandsOnReservation
        {
            Id = id, Owner = owner, Reason = ask.Reason!, Profile = profile, Count = count, LikeCell = ask.LikeCell, Build = build,
            Duration = duration, CreatedAt = now, RequestId = HandsOnReservation.RequestIdOf(id), DeployCluster = ask.DeployCluster,
            PreferredMachines = preferred, SameMachines = noPreference is null ? null : false, SameMachinesReason = noPreference,
        };
        await Stores.Reservations.SaveHandsOnAsync(r, $"asked by {owner}: {count}× {profile} for {duration}, build {build ?? "default"}: {r.Reason}", ct);
        HandsOnLog.Moved(Log, id, owner, HandsOnState.Queued, "asked");
        // Queued before the answer, so its position is known at once; its driver then waits for the grant.
        var admission = await _service.SubmitAsync(HandsOnRequests.For(r), ct);
        if (!admission.Admitted)
        {
            r = r.End(now, "refused by the scheduler: " + string.Join("; ", admission.Reasons));
            await Stores.Reservations.SaveHandsOnAsync(r, r.EndReason!, ct);
            return (r, []);
        }
        Drive(id);
        return (r, []);
    }

    /// <summary>
    /// A failed cell's lease becomes a Ready reservation of <see cref="CellHold.Owner"/> in one save (the reservation and its
    /// audit event), its machines as the cell left them; the lease is never released, so nothing else can be granted them.
    /// The reservation rides on the cell's request (marked Done when it ends). Refused (null) over the policy's cap.
    /// </summary>
    async Task<string?> ICellHolds.HoldAsync(string runId, string requestId, Lease lease, Pipeline.CellHold hold, CancellationToken ct)
    {
        if (_stop.IsCancellationRequested) return null;
        if (hold.Duration > Options.Policy.MaxDuration || hold.Duration < Options.Policy.MinDuration)
        {
            HandsOnLog.HoldRefused(Log, hold.CellId, hold.Owner, $"hold_on_failure {hold.Duration} is outside the policy's {Options.Policy.MinDuration} to {Options.Policy.MaxDuration}");
            return null;
        }
        var now = Time.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString("N");
        var r = new HandsOnReservation
        {
            Id = id, Owner = hold.Owner, Reason = hold.Reason, Profile = hold.Profile, Count = lease.Machines.Count, LikeCell = $"{runId}/{hold.CellId}",
            Build = hold.BuildId, Duration = hold.Duration, CreatedAt = now, RequestId = requestId,
            SameMachines = true, SameMachinesReason = $"held on failure: the cell's own lease {lease.Id}",
        }.Provisioning(lease.Id, lease.Machines).Ready(now);
        await Stores.Reservations.SaveHandsOnAsync(r, $"{hold.Reason}: {lease.Machines.Count}× {hold.Profile} uncleaned for {hold.Owner} for {hold.Duration}, lease {lease.Id}", ct);
        HandsOnLog.Moved(Log, id, hold.Owner, r.State, "held on failure");
        Drive(id);
        return id;
    }

    public Task<HandsOnReservation?> GetAsync(string id, CancellationToken ct) => Stores.Reservations.GetHandsOnAsync(id, ct);

    public Task<IReadOnlyList<HandsOnReservation>> ListAsync(bool openOnly, CancellationToken ct) => Stores.Reservations.ListHandsOnAsync(openOnly, 500, ct);

    /// <summary>Where a Queued reservation stands (position, what blocks it, ETA); null when it is not waiting.</summary>
    public async Task<HandsOnQueueStatus?> QueueStatusAsync(HandsOnReservation r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (r.State != HandsOnState.Queued) return null;
        var status = (await _service.QueueStatusAsync(ct)).FirstOrDefault(s => s.RequestId == r.RequestId);
        return status is null ? null : new HandsOnQueueStatus(status.Position, status.BlockingReason, status.Eta);
    }

    /// <summary>Each machine's role in a <c>deployCluster</c> reservation's cluster; null without a cluster or before machines are granted.</summary>
    public IReadOnlyDictionary<string, string>? ClusterRoles(HandsOnReservation r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (!r.DeployCluster || r.Machines.Count == 0) return null;
        var roles = HandsOnTopology.Roles(r.Machines.Count, Machines.Clusters?.Choose(r.Profile, r.LikeCell)?.Topology);
        return r.Machines.Select((m, i) => (Machine: m, Role: roles[i])).ToDictionary(x => x.Machine, x => x.Role, StringComparer.Ordinal);
    }

    /// <summary>
    /// The kubeconfig file of reservation <paramref name="id"/>'s cluster, for its holder or an operator: 404 naming the id,
    /// 403 for anyone else, 409 while not Ready or when it asked for no cluster.
    /// </summary>
    public async Task<(string? Path, HandsOnOutcome? Refusal)> KubeconfigAsync(string id, string who, bool operatorOrAbove, CancellationToken ct)
    {
        if (await GetAsync(id, ct) is not { } r) return (null, HandsOnOutcome.NotFound(id));
        if (r.Owner != who && !operatorOrAbove) return (null, new HandsOnOutcome(null, 403, null, $"reservation {id}'s kubeconfig is for its holder ({r.Owner}) or an operator"));
        if (!r.DeployCluster) return (null, HandsOnOutcome.Conflict($"reservation {id} asked for no cluster (deployCluster was not set)"));
        if (r.State != HandsOnState.Ready) return (null, HandsOnOutcome.Conflict($"reservation {id} is {r.State}; its cluster's kubeconfig is handed over while it is Ready"));
        var path = Machines.Clusters is { } clusters && clusters.IsLive(id) ? clusters.KubeconfigPath(id) : null;
        return path is not null && File.Exists(path)
            ? (path, null)
            : (null, HandsOnOutcome.Conflict($"reservation {id}'s cluster is not on this instance (deployed before a restart, or by another instance)"));
    }

    /// <summary>Adds time to a Ready reservation; past the policy's cap only for an admin.</summary>
    public async Task<HandsOnOutcome> ExtendAsync(string id, string? duration, string who, bool admin, CancellationToken ct)
    {
        if (!_drivers.TryGetValue(id, out var driver) || await GetAsync(id, ct) is not { } r) return await EndedOrMissingAsync(id, ct);
        if (r.State != HandsOnState.Ready) return HandsOnOutcome.Conflict($"reservation {id} is {r.State}; only a Ready reservation can be extended");
        var (more, error) = HandsOnAskValidator.CheckExtension(duration, r.Duration, Options.Policy, admin);
        if (error is not null) return HandsOnOutcome.Invalid(error.Field, error.Message);
        var next = await UpdateAsync(driver, x => x.State == HandsOnState.Ready ? x.Extend(more) : x, $"extended by {more} by {who}", ct);
        if (next.State == HandsOnState.Ready)
        {
            // The lease moves with the deadline at once (the driver would at its next beat); a lease lost meanwhile is the driver's to see.
            try { await Stores.Leases.HoldUntilAsync(next.LeaseId!, Cells.Holder, next.ExpiresAt!.Value, ct); }
            catch (LeaseRefusedException) { driver.Wake(); }
        }
        return next.State == HandsOnState.Ready ? HandsOnOutcome.Ok(next) : HandsOnOutcome.Conflict($"reservation {id} is {next.State}; only a Ready reservation can be extended");
    }

    /// <summary>Gives the machines back: a Queued reservation ends at once; a held one is cleaned, then ends.</summary>
    public async Task<HandsOnOutcome> ReleaseAsync(string id, string who, CancellationToken ct)
    {
        if (!_drivers.TryGetValue(id, out var driver) || await GetAsync(id, ct) is not { } r) return await EndedOrMissingAsync(id, ct);
        var reason = $"released by {who}";
        switch (r.State)
        {
            case HandsOnState.Queued or HandsOnState.Provisioning:
                driver.AskRelease(reason);
                return HandsOnOutcome.Ok(r, 202);
            case HandsOnState.Ready:
                var next = await UpdateAsync(driver, x => x.State == HandsOnState.Ready ? x.Releasing(reason) : x, reason, ct);
                driver.Wake();
                return HandsOnOutcome.Ok(next, 202);
            default:
                return HandsOnOutcome.Conflict($"reservation {id} is {r.State} already");
        }
    }

    public async ValueTask<bool> HoldsAsync(string machineId, string principal, CancellationToken ct) =>
        (await Stores.Reservations.ListHandsOnAsync(openOnly: true, ct: ct))
            .Any(r => r.State == HandsOnState.Ready && r.Owner == principal && r.Machines.Contains(machineId, StringComparer.Ordinal));

    async Task<IReadOnlyDictionary<string, DateTimeOffset>> IHeldRequests.HeldUntilAsync(CancellationToken ct)
    {
        var held = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var r in await Stores.Reservations.ListHandsOnAsync(openOnly: true, ct: ct))
            if (r is { State: HandsOnState.Ready, ExpiresAt: { } end }) held[r.RequestId] = end;
        return held;
    }

    internal async Task<HandsOnReservation> UpdateAsync(HandsOnDriver driver, Func<HandsOnReservation, HandsOnReservation> change, string why, CancellationToken ct)
    {
        await driver.Gate.WaitAsync(ct);
        try
        {
            var r = await Stores.Reservations.GetHandsOnAsync(driver.Id, ct) ?? throw new InvalidOperationException($"reservation {driver.Id} is gone from the store");
            var next = change(r);
            if (ReferenceEquals(next, r)) return r;
            await Stores.Reservations.SaveHandsOnAsync(next, why, ct);
            HandsOnLog.Moved(Log, next.Id, next.Owner, next.State, why);
            return next;
        }
        finally
        {
            driver.Gate.Release();
        }
    }

    private async Task<HandsOnOutcome> EndedOrMissingAsync(string id, CancellationToken ct) =>
        await GetAsync(id, ct) is { } r ? HandsOnOutcome.Conflict($"reservation {id} is {r.State} (not carried by this instance)") : HandsOnOutcome.NotFound(id);

    private async Task<CellLikeness?> LikenessAsync(string likeCell, CancellationToken ct)
    {
        var slash = likeCell.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || likeCell.Length > HandsOnAskValidator.MaxId) return null;
        var run = await Stores.Runs.GetRunAsync(likeCell[..slash], ct);
        var cell = run?.Cells.FirstOrDefault(c => c.CellId == likeCell[(slash + 1)..]);
        return cell is null ? null : new CellLikeness(cell.Profile, Math.Max(1, cell.Machines.Count), cell.BuildId, cell.Machines);
    }

    private void Drive(string id)
    {
        var driver = _drivers.GetOrAdd(id, i => new HandsOnDriver(i, this));
        lock (driver)
        {
            if (driver.Running is { IsCompleted: false } || _stop.IsCancellationRequested) return;
            driver.Running = Task.Run(() => driver.RunAsync(_stop.Token));
        }
    }

    /// <summary>Stops the drivers. Safe to call more than once (the container disposes each registration that hands it out).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Cancel();
        foreach (var d in _drivers.Values)
        {
            // A driver still running sees the cancellation first; its gate and token go with the collector then.
            if (d.Running is null or { IsCompleted: true }) d.Dispose();
        }
        _stop.Dispose();
    }

    private int _disposed;
}
