namespace TestFarm.Core.Machines;

/// <summary>Life-cycle state of one pool machine (DESIGN.md, "Machine and lease states").</summary>
public enum MachineState
{
    Available,
    Reserved,
    Provisioning,
    InUse,
    Cleaning,
    Suspect,
    Quarantined,
    Retired,
}

/// <summary>Thrown when a machine or lease is asked to make a move its state machine forbids.</summary>
public sealed class IllegalTransitionException(string subject, string from, string to)
    : InvalidOperationException($"{subject}: illegal transition {from} -> {to}")
{
    public string Subject { get; } = subject;
    public string From { get; } = from;
    public string To { get; } = to;
}

/// <summary>The legal moves between <see cref="MachineState"/>s. Pure; used by Core and by the stores.</summary>
public static class MachineTransitions
{
    private static readonly Dictionary<MachineState, MachineState[]> Allowed = new()
    {
        [MachineState.Available] = [MachineState.Reserved, MachineState.Suspect, MachineState.Quarantined, MachineState.Retired],
        [MachineState.Reserved] = [MachineState.Provisioning, MachineState.Cleaning, MachineState.Suspect],
        [MachineState.Provisioning] = [MachineState.InUse, MachineState.Cleaning, MachineState.Suspect],
        [MachineState.InUse] = [MachineState.Cleaning, MachineState.Suspect],
        [MachineState.Cleaning] = [MachineState.Available, MachineState.Suspect],
        [MachineState.Suspect] = [MachineState.Cleaning, MachineState.Quarantined],
        [MachineState.Quarantined] = [MachineState.Cleaning, MachineState.Retired],
        [MachineState.Retired] = [],
    };

    public static bool IsAllowed(MachineState from, MachineState to) => Allowed[from].Contains(to);

    public static IReadOnlyList<MachineState> From(MachineState state) => Allowed[state];

    /// <summary>States in which a machine is held by a lease.</summary>
    public static bool IsHeld(MachineState state) =>
        state is MachineState.Reserved or MachineState.Provisioning or MachineState.InUse;

    /// <summary>Healthy or repairable: could serve a request some day (admission control).</summary>
    public static bool IsServiceable(MachineState state) => state is not MachineState.Retired;

    /// <summary>Healthy now or soon: counts towards what a request may get without repair.</summary>
    public static bool IsHealthy(MachineState state) =>
        state is MachineState.Available or MachineState.Reserved or MachineState.Provisioning
            or MachineState.InUse or MachineState.Cleaning;

    public static void Ensure(string machineId, MachineState from, MachineState to)
    {
        if (!IsAllowed(from, to)) throw new IllegalTransitionException($"machine {machineId}", from.ToString(), to.ToString());
    }
}
