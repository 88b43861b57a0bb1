using Microsoft.Extensions.Logging;
using TestFarm.Core.HandsOn;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Orchestration.Reservations;

namespace TestFarm.Orchestration.HandsOn;

/// <summary>
/// Carries one reservation through its life on this instance: waits for its grant through the farm's broker, reimages and
/// verifies its machines, holds them (the lease kept until the reservation's end, so it outlives a farm down longer than
/// the lease TTL) until released or expired, then cleans them, ends the lease
/// (machines through Cleaning to Available, or Suspect) and ends the reservation. Every step is saved before the next, so a
/// driver started again after a restart goes on from where the store says. All writes go through <see cref="Gate"/>.
/// </summary>
internal sealed class HandsOnDriver(string id, HandsOnReservations owner) : IDisposable
{
    private CancellationTokenSource _release = new();

    public string Id => id;
    public SemaphoreSlim Gate { get; } = new(1, 1);
    public Task? Running { get; set; }

    /// <summary>Why a release was asked while Queued or Provisioning (Ready ones are saved Releasing at once).</summary>
    public string? ReleaseReason { get; private set; }

    public void AskRelease(string reason)
    {
        ReleaseReason ??= reason;
        Wake();
    }

    /// <summary>Ends the driver's current wait (a release saved by the API).</summary>
    public void Wake() => _release.Cancel();

    public async Task RunAsync(CancellationToken stop)
    {
        var (stores, time, options) = (owner.Stores, owner.Time, owner.Options);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var r = await stores.Reservations.GetHandsOnAsync(id, stop);
                if (r is null || r.State == HandsOnState.Ended) return;
                await (r.State switch
                {
                    HandsOnState.Queued => QueuedAsync(r, stop),
                    HandsOnState.Provisioning => ProvisionAsync(r, stop),
                    HandsOnState.Ready => HoldAsync(r, stop),
                    _ => ReleaseAsync(r, stop),
                });
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                HandsOnLog.Failed(owner.Log, id, "a step", e.Message);
                try { await Task.Delay(options.RetryInterval, time, stop); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task QueuedAsync(HandsOnReservation r, CancellationToken stop)
    {
        var request = HandsOnRequests.For(r);
        var queued = await owner.Stores.Queue.GetAsync(request.Id, stop);
        if (queued is { State: RequestState.Granted, LeaseId: { } leased }
            && await owner.Stores.Leases.GetLeaseAsync(leased, stop) is { State: LeaseState.Active } held && held.Holder == owner.Cells.Holder)
        {
            // Granted before a restart: the lease is still ours.
            await GrantedAsync(held, stop);
            return;
        }
        if (queued is not null && queued.State != RequestState.Queued)
            request = request with { Id = $"{request.Id}#{Guid.CreateVersion7(owner.Time.GetUtcNow()):N}" };
        if (request.Id != r.RequestId) await SaveAsync(x => x with { RequestId = request.Id }, $"queued again as {request.Id}", stop);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, _release.Token);
        GrantedRequest granted;
        try
        {
            granted = await owner.Cells.AcquireAsync(request, alreadyQueued: queued is { State: RequestState.Queued }, linked.Token);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            await owner.Stores.Queue.SetStateAsync(request.Id, RequestState.Cancelled, ReleaseReason, ct: CancellationToken.None);
            await SaveAsync(x => x.State == HandsOnState.Queued ? x.End(owner.Time.GetUtcNow(), ReleaseReason) : x, ReleaseReason ?? "released", CancellationToken.None);
            return;
        }
        catch (InvalidOperationException e) when (e.Message.Contains("cannot be admitted", StringComparison.Ordinal))
        {
            await SaveAsync(x => x.End(owner.Time.GetUtcNow(), $"refused by the scheduler: {e.Message}"), "refused by the scheduler", stop);
            return;
        }
        await GrantedAsync(granted.Lease, stop);
    }

    /// <summary>Provisioning on the granted lease; a reservation that asked for a cell's machines says whether it got them and why not.</summary>
    private async Task GrantedAsync(Lease lease, CancellationToken stop)
    {
        var why = $"granted lease {lease.Id} on {string.Join(", ", lease.Machines)}";
        var r = await owner.Stores.Reservations.GetHandsOnAsync(id, stop);
        (bool Same, string Reason)? same = null;
        if (r?.PreferredMachines is { Count: > 0 } preferred)
        {
            var states = (await owner.Stores.Machines.ListMachinesAsync(stop)).ToDictionary(m => m.Id, m => m.State, StringComparer.Ordinal);
            same = SameMachines.Of(preferred, lease.Machines, m => states.TryGetValue(m, out var s) ? s : null);
            why += same.Value.Same ? " (the cell's own machines)" : $" ({same.Value.Reason})";
        }
        await SaveAsync(x => same is { } v ? x.Provisioning(lease.Id, lease.Machines) with { SameMachines = v.Same, SameMachinesReason = v.Reason } : x.Provisioning(lease.Id, lease.Machines), why, stop);
    }

    private async Task ProvisionAsync(HandsOnReservation r, CancellationToken stop)
    {
        var (stores, machines) = (owner.Stores, owner.Machines);
        var leaseId = r.LeaseId!;
        if (await stores.Leases.GetLeaseAsync(leaseId, stop) is not { State: LeaseState.Active })
        {
            await SaveAsync(x => x.Releasing($"lease {leaseId} ended while provisioning"), "lease lost", stop);
            return;
        }
        var states = (await stores.Machines.ListMachinesAsync(stop)).ToDictionary(m => m.Id, m => m.State, StringComparer.Ordinal);
        foreach (var m in r.Machines.Where(m => states.GetValueOrDefault(m) == MachineState.Reserved))
            await stores.Machines.TransitionAsync(m, MachineState.Reserved, MachineState.Provisioning, $"reimaging for reservation {r.Id} (lease {leaseId})", stop);
        var build = r.Build ?? machines.DefaultBuild;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, _release.Token);
        IReadOnlyList<ProvisionedMachine> results;
        try
        {
            results = await Task.WhenAll(r.Machines.Select(async m =>
                new ProvisionedMachine(m, await machines.Provisioner.ReimageAsync(machines.Cell(m), build, trusted: false, ct => HeartbeatAsync(leaseId, ct), linked.Token))));
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            await SaveAsync(x => x.Releasing(ReleaseReason ?? "released while provisioning"), ReleaseReason ?? "released", CancellationToken.None);
            return;
        }
        if (ReleaseReason is { } asked)
        {
            await SaveAsync(x => x.Releasing(asked), asked, stop);
            return;
        }
        var failed = results.Where(p => !p.Result.Succeeded).ToList();
        if (failed.Count > 0)
        {
            foreach (var f in failed)
                await stores.Machines.TransitionAsync(f.Id, MachineState.Suspect, $"reservation {r.Id}: reimage failed in {f.Result.FailedPhase}: {f.Result.Error}", stop);
            var why = string.Join("; ", failed.Select(f => $"{f.Id}: {f.Result.FailedPhase}: {f.Result.Error}"));
            await SaveAsync(x => x.Releasing($"provisioning failed: {why}"), "provisioning failed", stop);
            return;
        }
        foreach (var m in r.Machines)
            await stores.Machines.TransitionAsync(m, MachineState.Provisioning, MachineState.InUse, $"reimaged with {build} and verified for reservation {r.Id}", stop);
        if (r.DeployCluster && !await DeployClusterAsync(r, leaseId, linked.Token, stop)) return;
        await SaveAsync(x => x.Ready(owner.Time.GetUtcNow()), r.DeployCluster ? $"reimaged with {build} and verified; cluster deployed and answering" : $"reimaged with {build} and verified", stop);
    }

    /// <summary>
    /// Deploys the reservation's cluster on its reimaged machines; the reservation stays Provisioning until every node is Ready.
    /// A failure (or a release meanwhile) moves it to Releasing with the reason and returns false: its machines go to cleaning.
    /// </summary>
    private async Task<bool> DeployClusterAsync(HandsOnReservation r, string leaseId, CancellationToken released, CancellationToken stop)
    {
        try
        {
            var clusters = owner.Machines.Clusters ?? throw new InvalidOperationException("this farm deploys no clusters for reservations");
            await clusters.DeployAsync(r, leaseId, [.. r.Machines.Select(owner.Machines.Cell)], released);
            if (ReleaseReason is null) return true;
            await SaveAsync(x => x.Releasing(ReleaseReason), ReleaseReason, stop);
            return false;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            await SaveAsync(x => x.Releasing(ReleaseReason ?? "released while deploying its cluster"), ReleaseReason ?? "released", CancellationToken.None);
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var why = e.Message.Length > 500 ? e.Message[..500] + "…" : e.Message;
            HandsOnLog.Failed(owner.Log, r.Id, "cluster deploy", why);
            await SaveAsync(x => x.Releasing($"cluster deploy failed: {why}"), "cluster deploy failed", stop);
            return false;
        }
    }

    private async Task HoldAsync(HandsOnReservation r, CancellationToken stop)
    {
        var now = owner.Time.GetUtcNow();
        if (r.IsExpired(now))
        {
            await SaveAsync(x => x.State == HandsOnState.Ready ? x.Releasing($"expired at {x.ExpiresAt:O}") : x, "expired: machines taken back", stop);
            return;
        }
        try
        {
            // Held to the reservation's end, not the heartbeat's TTL: a farm down longer than the TTL keeps the machines.
            await owner.Stores.Leases.HoldUntilAsync(r.LeaseId!, owner.Cells.Holder, r.ExpiresAt!.Value, stop);
        }
        catch (LeaseRefusedException e)
        {
            await SaveAsync(x => x.Releasing($"lease lost: {e.Message}"), "lease lost", stop);
            return;
        }
        var wait = r.ExpiresAt!.Value - now;
        if (wait > owner.Options.HeartbeatInterval) wait = owner.Options.HeartbeatInterval;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, _release.Token);
        try { await Task.Delay(wait, owner.Time, linked.Token); }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested) { ResetRelease(); }
    }

    private async Task ReleaseAsync(HandsOnReservation r, CancellationToken stop)
    {
        var (stores, machines) = (owner.Stores, owner.Machines);
        var reason = r.EndReason ?? "released";
        // The cluster goes first: its API server stops and its kubeconfig is deleted before the machines are wiped.
        if (r.DeployCluster && machines.Clusters is { } clusters) await clusters.TeardownAsync(r.Id, stop);
        if (r.LeaseId is { } leaseId && await stores.Leases.GetLeaseAsync(leaseId, stop) is { State: LeaseState.Active } lease)
        {
            var states = (await stores.Machines.ListMachinesAsync(stop)).ToDictionary(m => m.Id, m => m.State, StringComparer.Ordinal);
            var toClean = r.Machines.Where(m => MachineTransitions.IsHeld(states.GetValueOrDefault(m))).ToList();
            var results = await Task.WhenAll(toClean.Select(async m =>
                new ProvisionedMachine(m, await machines.Provisioner.CleanAsync(machines.Cell(m), trusted: false, ct => HeartbeatAsync(leaseId, ct), stop))));
            await stores.Leases.ReleaseAsync(lease.Id, owner.Cells.Holder, $"reservation {r.Id}: {reason}", stop);
            foreach (var c in results)
            {
                try
                {
                    await stores.Machines.TransitionAsync(c.Id, MachineState.Cleaning, c.Result.Succeeded ? MachineState.Available : MachineState.Suspect,
                        c.Result.Succeeded ? $"cleaned after reservation {r.Id}" : $"cleaning after reservation {r.Id} failed in {c.Result.FailedPhase}: {c.Result.Error}", stop);
                }
                catch (IllegalTransitionException) { } // moved meanwhile (an operator's repair); the cleaner sees to it
            }
            await stores.Queue.SetStateAsync(r.RequestId, RequestState.Done, reason, lease.Id, stop);
        }
        await SaveAsync(x => x.End(owner.Time.GetUtcNow()), $"ended: {reason}", stop);
        owner.Cells.Kick();
    }

    private Task<Lease> HeartbeatAsync(string leaseId, CancellationToken ct) => owner.Stores.Leases.HeartbeatAsync(leaseId, owner.Cells.Holder, ct);

    private Task<HandsOnReservation> SaveAsync(Func<HandsOnReservation, HandsOnReservation> change, string why, CancellationToken ct) => owner.UpdateAsync(this, change, why, ct);

    // The old source is left to the collector: the API may still be cancelling it.
    private void ResetRelease() => _release = new CancellationTokenSource();

    public void Dispose()
    {
        _release.Dispose();
        Gate.Dispose();
    }

    private sealed record ProvisionedMachine(string Id, Pipeline.ProvisionResult Result);
}
