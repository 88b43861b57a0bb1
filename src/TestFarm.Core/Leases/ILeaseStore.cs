using TestFarm.Core.Scheduling;

namespace TestFarm.Core.Leases;

/// <summary>Outcome of a claim: the lease, or why nothing was claimed.</summary>
public sealed record ClaimResult(Lease? Lease, string? Refusal)
{
    public bool Granted => Lease is not null;
    public static ClaimResult Refused(string reason) => new(null, reason);
}

/// <summary>
/// Gang leases. A claim takes every machine or none, in one transaction; the database itself refuses a machine
/// held by two active leases. Heartbeat and release of a foreign, ended or expired lease throw
/// <see cref="LeaseRefusedException"/>.
/// </summary>
public interface ILeaseStore
{
    /// <summary>Claims exactly these machines (all must be Available) for <paramref name="holder"/>.</summary>
    Task<ClaimResult> ClaimMachinesAsync(string holder, string requestId, IReadOnlyList<string> machineIds, TimeSpan ttl, CancellationToken ct = default);

    /// <summary>Chooses machines for the request among Available ones (skipping rows locked by others) and claims them.</summary>
    Task<ClaimResult> ClaimAsync(string holder, ReservationRequest request, GangChooser chooser, TimeSpan ttl, CancellationToken ct = default);

    Task<Lease> HeartbeatAsync(string leaseId, string holder, CancellationToken ct = default);

    /// <summary>A heartbeat that keeps the lease at least until <paramref name="until"/> (<see cref="Lease.HoldUntil"/>); for hands-on reservations only.</summary>
    Task<Lease> HoldUntilAsync(string leaseId, string holder, DateTimeOffset until, CancellationToken ct = default);

    /// <summary>Ends the lease; its machines go to Cleaning (never straight to Available).</summary>
    Task<Lease> ReleaseAsync(string leaseId, string holder, string reason, CancellationToken ct = default);

    /// <summary>Reaps every expired active lease: machines to Cleaning with the reason, lease Reaped.</summary>
    Task<IReadOnlyList<Lease>> ReapExpiredAsync(CancellationToken ct = default);

    /// <summary>
    /// Ends <paramref name="leaseId"/> as Reaped, before its expiry (machines to Cleaning), when it is still active, held by
    /// <paramref name="holder"/> and granted before <paramref name="grantedBefore"/>: that holder was started again and the
    /// process that took the lease is gone. Null when the lease no longer qualifies (ended meanwhile, another holder, newer).
    /// </summary>
    Task<Lease?> ReclaimAsync(string leaseId, string holder, DateTimeOffset grantedBefore, string reason, CancellationToken ct = default);

    Task<Lease?> GetLeaseAsync(string leaseId, CancellationToken ct = default);

    Task<IReadOnlyList<Lease>> ListLeasesAsync(bool activeOnly, CancellationToken ct = default);
}
