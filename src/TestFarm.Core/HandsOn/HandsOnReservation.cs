using TestFarm.Core.Machines;

namespace TestFarm.Core.HandsOn;

/// <summary>
/// Machines held for a person through the farm's scheduler: what was asked (profile and count, or like a cell), by whom
/// and why, for how long, and where it stands. Immutable: each move returns the next value and refuses an illegal one
/// (<see cref="HandsOnTransitions"/>); the store keeps every value with its audit event.
/// </summary>
public sealed record HandsOnReservation
{
    public required string Id { get; init; }
    /// <summary>The API token's name that asked (or the person a failed cell was held for).</summary>
    public required string Owner { get; init; }
    public required string Reason { get; init; }
    public required string Profile { get; init; }
    public required int Count { get; init; }
    /// <summary><c>runId/cellId</c> when asked "like this cell": same profile, count and build.</summary>
    public string? LikeCell { get; init; }
    /// <summary>The build to reimage with; null: the farm's default image.</summary>
    public string? Build { get; init; }
    /// <summary>The cell's own machines, asked first (a <see cref="LikeCell"/> reservation of the cell's profile and count); null: none.</summary>
    public IReadOnlyList<string>? PreferredMachines { get; init; }
    /// <summary>For a <see cref="LikeCell"/> reservation once granted (or known impossible): whether it got exactly the cell's machines.</summary>
    public bool? SameMachines { get; init; }
    /// <summary>Why <see cref="SameMachines"/> is what it is: which of the cell's machines were busy or not healthy.</summary>
    public string? SameMachinesReason { get; init; }
    public bool DeployCluster { get; init; }
    /// <summary>How long the person holds the machines once Ready (extensions add to it).</summary>
    public required TimeSpan Duration { get; init; }
    public HandsOnState State { get; init; } = HandsOnState.Queued;
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? ReadyAt { get; init; }
    /// <summary>When the machines are taken back: Ready time + duration; null before Ready.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>The scheduler request it rides on (<c>handson/&lt;id&gt;</c>).</summary>
    public required string RequestId { get; init; }
    public string? LeaseId { get; init; }
    public IReadOnlyList<string> Machines { get; init; } = [];
    public DateTimeOffset? EndedAt { get; init; }
    public string? EndReason { get; init; }

    /// <summary>The request id of reservation <paramref name="id"/>; every hands-on request id starts with <see cref="RequestPrefix"/>.</summary>
    public static string RequestIdOf(string id) => RequestPrefix + id;

    public const string RequestPrefix = "handson/";

    public static bool IsHandsOnRequest(string requestId) => requestId.StartsWith(RequestPrefix, StringComparison.Ordinal);

    /// <summary>Machines granted under <paramref name="leaseId"/>: reimage and verify them next.</summary>
    public HandsOnReservation Provisioning(string leaseId, IReadOnlyList<string> machines)
    {
        Move(HandsOnState.Provisioning);
        return this with { State = HandsOnState.Provisioning, LeaseId = leaseId, Machines = machines };
    }

    /// <summary>Reimaged and verified (or, held on a failed cell, handed over as they are): the clock starts.</summary>
    public HandsOnReservation Ready(DateTimeOffset now)
    {
        Move(HandsOnState.Ready);
        if (LeaseId is null) throw new InvalidOperationException($"reservation {Id}: Ready needs a lease");
        return this with { State = HandsOnState.Ready, ReadyAt = now, ExpiresAt = now + Duration };
    }

    /// <summary>A Ready reservation lasts <paramref name="more"/> longer.</summary>
    public HandsOnReservation Extend(TimeSpan more)
    {
        if (State != HandsOnState.Ready) throw new IllegalTransitionException($"reservation {Id} (extend)", State.ToString(), nameof(HandsOnState.Ready));
        if (more <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(more), $"an extension must be positive, was {more}");
        return this with { Duration = Duration + more, ExpiresAt = ExpiresAt + more };
    }

    /// <summary>The machines go back: cleaned, then the lease ends. A Queued one with no machines ends at once (<see cref="End"/>).</summary>
    public HandsOnReservation Releasing(string reason)
    {
        Move(HandsOnState.Releasing);
        return this with { State = HandsOnState.Releasing, EndReason = reason };
    }

    public HandsOnReservation End(DateTimeOffset now, string? reason = null)
    {
        Move(HandsOnState.Ended);
        return this with { State = HandsOnState.Ended, EndedAt = now, EndReason = reason ?? EndReason };
    }

    /// <summary>Time left while Ready (never negative); null otherwise.</summary>
    public TimeSpan? TimeLeft(DateTimeOffset now) =>
        State == HandsOnState.Ready && ExpiresAt is { } at ? (at > now ? at - now : TimeSpan.Zero) : null;

    /// <summary>Ready and within <paramref name="warningBefore"/> of its end: the page and the API warn.</summary>
    public bool Warning(DateTimeOffset now, TimeSpan warningBefore) => TimeLeft(now) is { } left && left <= warningBefore;

    public bool IsExpired(DateTimeOffset now) => State == HandsOnState.Ready && ExpiresAt is { } at && now >= at;

    private void Move(HandsOnState to) => HandsOnTransitions.Ensure(Id, State, to);
}
