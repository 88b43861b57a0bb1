namespace TestFarm.Core.Machines;

/// <summary>
/// A pool machine with its state. State changes only through <see cref="MoveTo"/>, which refuses illegal
/// moves; each change yields a <see cref="MachineEvent"/> with its reason for the audit trail.
/// </summary>
public sealed class Machine
{
    public Machine(string id, string profile, string l2Domain, MachineState state = MachineState.Available, string? leaseId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(profile);
        Id = id;
        Profile = profile;
        L2Domain = l2Domain;
        State = state;
        LeaseId = leaseId;
    }

    public string Id { get; }
    public string Profile { get; }
    public string L2Domain { get; }
    public MachineState State { get; private set; }
    /// <summary>The lease holding the machine while Reserved, Provisioning or InUse.</summary>
    public string? LeaseId { get; private set; }

    public MachineEvent MoveTo(MachineState to, string reason, DateTimeOffset at, string? leaseId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        MachineTransitions.Ensure(Id, State, to);
        if (to == MachineState.Reserved && string.IsNullOrEmpty(leaseId))
            throw new ArgumentException("reserving a machine needs a lease id", nameof(leaseId));
        var from = State;
        State = to;
        LeaseId = to == MachineState.Reserved ? leaseId : MachineTransitions.IsHeld(to) ? LeaseId : null;
        return new MachineEvent { MachineId = Id, From = from, To = to, Reason = reason, At = at, LeaseId = leaseId ?? LeaseId };
    }
}

/// <summary>One state change of a machine, with why it happened.</summary>
public sealed record MachineEvent
{
    public required string MachineId { get; init; }
    public required MachineState From { get; init; }
    public required MachineState To { get; init; }
    public required string Reason { get; init; }
    public required DateTimeOffset At { get; init; }
    public string? LeaseId { get; init; }
}

/// <summary>What the store keeps about a machine.</summary>
public sealed record MachineRecord
{
    public required string Id { get; init; }
    public required string Profile { get; init; }
    public string L2Domain { get; init; } = "default";
    public MachineState State { get; init; } = MachineState.Available;
    public string? LeaseId { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}
