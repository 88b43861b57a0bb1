namespace TestFarm.Core.Machines;

/// <summary>A pool machine as registered in the store: id, profile and L2 domain.</summary>
public sealed record MachineRegistration(string Id, string Profile, string L2Domain = "default");

/// <summary>Persistent machine states. Every change is checked by <see cref="MachineTransitions"/> and audited.</summary>
public interface IMachineStore
{
    /// <summary>Adds new machines as Available; existing ones keep their state (profile and domain are updated).</summary>
    Task RegisterAsync(IReadOnlyList<MachineRegistration> machines, CancellationToken ct = default);

    Task<IReadOnlyList<MachineRecord>> ListMachinesAsync(CancellationToken ct = default);

    /// <summary>
    /// Moves one machine, e.g. to Suspect, Quarantined, Cleaning→Available, Retired. Throws
    /// <see cref="IllegalTransitionException"/> (nothing written) on an illegal move. A held machine moved
    /// out of the held states leaves its lease's hold (the lease stays active for its other machines).
    /// </summary>
    Task<MachineRecord> TransitionAsync(string machineId, MachineState to, string reason, CancellationToken ct = default);

    /// <summary>
    /// The same move, made only if the machine is still <paramref name="from"/>: one found in another state (moved
    /// meanwhile, e.g. reserved while a health round looked at it) is left as it is and <see cref="IllegalTransitionException"/> thrown.
    /// </summary>
    Task<MachineRecord> TransitionAsync(string machineId, MachineState from, MachineState to, string reason, CancellationToken ct = default);
}

/// <summary>One row of the append-only audit log.</summary>
public sealed record AuditEvent
{
    public long Seq { get; init; }
    public required DateTimeOffset At { get; init; }
    /// <summary>machine, lease, request, run or cell.</summary>
    public required string Kind { get; init; }
    public required string Subject { get; init; }
    public string? From { get; init; }
    public required string To { get; init; }
    public required string Reason { get; init; }
    public string? LeaseId { get; init; }
}

public interface IEventLog
{
    /// <summary>Appends a free event (e.g. a run phase); machine and lease changes are appended by the stores.</summary>
    Task AppendAsync(AuditEvent e, CancellationToken ct = default);

    Task<IReadOnlyList<AuditEvent>> ReadAsync(string? subject = null, long afterSeq = 0, int limit = 1000, CancellationToken ct = default);
}
