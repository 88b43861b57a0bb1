using TestFarm.Core.Machines;

namespace TestFarm.Core.Leases;

public enum LeaseState { Active, Released, Reaped }

/// <summary>
/// A time-bounded, heartbeated hold of a set of machines by one holder (a cell run on a farm instance).
/// Active until released by its holder or reaped after its expiry; both end states are final.
/// </summary>
public sealed record Lease
{
    public required string Id { get; init; }
    /// <summary>Who holds it, e.g. "farm-a/run-17/cell-3"; only the holder may heartbeat or release.</summary>
    public required string Holder { get; init; }
    /// <summary>The request it was granted for (a cell id or request id).</summary>
    public required string RequestId { get; init; }
    public required IReadOnlyList<string> Machines { get; init; }
    public required TimeSpan Ttl { get; init; }
    public required DateTimeOffset GrantedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public LeaseState State { get; init; } = LeaseState.Active;
    public DateTimeOffset? EndedAt { get; init; }
    public string? EndReason { get; init; }

    public bool IsExpired(DateTimeOffset now) => State == LeaseState.Active && now >= ExpiresAt;

    /// <summary>The lease after a heartbeat at <paramref name="now"/>; refuses foreign, ended or expired leases.</summary>
    public Lease Heartbeat(string holder, DateTimeOffset now)
    {
        EnsureHolder(holder, "heartbeat");
        if (State != LeaseState.Active) throw new LeaseRefusedException(Id, LeaseRefusal.Ended, $"lease {Id} is {State}, cannot heartbeat");
        if (IsExpired(now)) throw new LeaseRefusedException(Id, LeaseRefusal.Expired, $"lease {Id} expired at {ExpiresAt:O}, cannot heartbeat at {now:O}");
        return this with { ExpiresAt = now + Ttl };
    }

    /// <summary>
    /// A heartbeat that also keeps the lease until <paramref name="until"/> (a hands-on reservation's end): the lease then
    /// outlives its holder's silence up to that time, so a farm down longer than the TTL keeps it. Never shortens the lease.
    /// </summary>
    public Lease HoldUntil(string holder, DateTimeOffset now, DateTimeOffset until)
    {
        var beat = Heartbeat(holder, now);
        var end = until > beat.ExpiresAt ? until : beat.ExpiresAt;
        return beat with { ExpiresAt = end > ExpiresAt ? end : ExpiresAt };
    }

    public Lease Release(string holder, DateTimeOffset now, string reason)
    {
        EnsureHolder(holder, "release");
        if (State != LeaseState.Active) throw new LeaseRefusedException(Id, LeaseRefusal.Ended, $"lease {Id} is {State}, cannot release");
        return this with { State = LeaseState.Released, EndedAt = now, EndReason = reason };
    }

    public Lease Reap(DateTimeOffset now)
    {
        if (State != LeaseState.Active) throw new IllegalTransitionException($"lease {Id}", State.ToString(), nameof(LeaseState.Reaped));
        if (!IsExpired(now)) throw new IllegalTransitionException($"lease {Id} (expires {ExpiresAt:O})", State.ToString(), nameof(LeaseState.Reaped));
        return this with { State = LeaseState.Reaped, EndedAt = now, EndReason = $"expired at {ExpiresAt:O}, no heartbeat" };
    }

    /// <summary>
    /// Ends the lease as <see cref="LeaseState.Reaped"/> before its expiry: its holder, started again under the same name,
    /// knows the process that held it is gone (<paramref name="holder"/> must be the lease's holder).
    /// </summary>
    public Lease Reclaim(string holder, DateTimeOffset now, string reason)
    {
        EnsureHolder(holder, "reclaim");
        if (State != LeaseState.Active) throw new IllegalTransitionException($"lease {Id}", State.ToString(), nameof(LeaseState.Reaped));
        return this with { State = LeaseState.Reaped, EndedAt = now, EndReason = reason };
    }

    private void EnsureHolder(string holder, string action)
    {
        if (!string.Equals(holder, Holder, StringComparison.Ordinal))
            throw new LeaseRefusedException(Id, LeaseRefusal.Foreign, $"lease {Id} is held by {Holder}, not {holder}; cannot {action}");
    }
}

public enum LeaseRefusal { NotFound, Foreign, Expired, Ended }

/// <summary>A holder asked for something its lease does not allow (foreign, expired, ended, unknown).</summary>
public sealed class LeaseRefusedException(string leaseId, LeaseRefusal reason, string message) : InvalidOperationException(message)
{
    public string LeaseId { get; } = leaseId;
    public LeaseRefusal Reason { get; } = reason;
}
