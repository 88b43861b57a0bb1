namespace TestFarm.Core.Machines;

/// <summary>The holders when no reservations are kept: nobody holds a machine, so only operators write to its console and power.</summary>
public sealed class NoMachineHolders : IMachineHolders
{
    public ValueTask<bool> HoldsAsync(string machineId, string principal, CancellationToken ct) => ValueTask.FromResult(false);
}
