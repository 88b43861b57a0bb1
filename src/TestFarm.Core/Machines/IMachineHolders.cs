namespace TestFarm.Core.Machines;

/// <summary>Who holds a machine for hands-on work: the reservations' side of the write checks on a machine's console and power.</summary>
public interface IMachineHolders
{
    /// <summary>Whether the token named <paramref name="principal"/> holds <paramref name="machineId"/> through a Ready reservation.</summary>
    ValueTask<bool> HoldsAsync(string machineId, string principal, CancellationToken ct);
}
