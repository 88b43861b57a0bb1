using TestFarm.Core.Machines;

namespace TestFarm.Cli.Commands.Machine;

/// <summary>The outcome of an operator action: the machine after it, or why it was refused.</summary>
public sealed record OperatorResult(MachineRecord? Machine, string? Refusal)
{
    public bool Ok => Refusal is null;
}

/// <summary>
/// Operator actions on one machine over the store: repair (Quarantined → Cleaning), drain (Available or
/// Suspect → Quarantined) and retire (→ Retired). Each is audited with who and why; a move the machine's
/// state forbids is refused with what the machine is and what the action needs.
/// </summary>
public sealed class MachineOperator(IMachineStore store)
{
    public Task<OperatorResult> RepairAsync(string machineId, string by, string why, CancellationToken ct = default) =>
        MoveAsync(machineId, MachineState.Cleaning, $"repaired by {by}: {why}", m => m.State == MachineState.Quarantined
            ? null
            : $"machine {machineId} is {m.State}, not Quarantined: repair moves a Quarantined machine to Cleaning", ct);

    public Task<OperatorResult> DrainAsync(string machineId, string by, string why, CancellationToken ct = default) =>
        MoveAsync(machineId, MachineState.Quarantined, $"drained by {by}: {why}", m => m.State switch
        {
            MachineState.Available or MachineState.Suspect => null,
            _ when MachineTransitions.IsHeld(m.State) => $"machine {machineId} is {m.State} under lease {m.LeaseId}: drain it when the lease has ended",
            _ => $"machine {machineId} is {m.State}: drain takes an Available or Suspect machine out of service",
        }, ct);

    public Task<OperatorResult> RetireAsync(string machineId, string by, string why, CancellationToken ct = default) =>
        MoveAsync(machineId, MachineState.Retired, $"retired by {by}: {why}", m => MachineTransitions.IsAllowed(m.State, MachineState.Retired)
            ? null
            : $"machine {machineId} is {m.State}: only an Available or Quarantined machine can be retired", ct);

    private async Task<OperatorResult> MoveAsync(string machineId, MachineState to, string reason, Func<MachineRecord, string?> refuse, CancellationToken ct)
    {
        var machine = (await store.ListMachinesAsync(ct).ConfigureAwait(false)).FirstOrDefault(m => m.Id == machineId);
        if (machine is null) return new OperatorResult(null, $"no machine '{machineId}' in the store");
        if (refuse(machine) is { } refusal) return new OperatorResult(machine, refusal);
        try
        {
            return new OperatorResult(await store.TransitionAsync(machineId, to, reason, ct).ConfigureAwait(false), null);
        }
        catch (IllegalTransitionException e)
        {
            return new OperatorResult(machine, e.Message);
        }
    }
}
