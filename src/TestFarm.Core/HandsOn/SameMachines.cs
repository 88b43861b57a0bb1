using TestFarm.Core.Machines;

namespace TestFarm.Core.HandsOn;

/// <summary>Whether a reservation "like cell X" got the cell's own machines, and why not. Pure.</summary>
public static class SameMachines
{
    /// <summary>
    /// The cell's machines that are the request's preference, or null with the reason none can be asked: the cell recorded no
    /// machines, the ask changed the profile or count, or a machine is not in this farm's pool.
    /// </summary>
    public static (IReadOnlyList<string>? Preferred, string? Reason) Preference(CellLikeness cell, string profile, int count, Func<string, bool> inPool)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(inPool);
        if (cell.Machines.Count == 0) return (null, "the cell recorded no machines; took the same profile and count");
        if (!string.Equals(profile, cell.Profile, StringComparison.Ordinal) || count != cell.Machines.Count)
            return (null, $"asked {count}× {profile}, the cell had {cell.Machines.Count}× {cell.Profile}; took what was asked");
        var foreign = cell.Machines.Where(m => !inPool(m)).ToList();
        return foreign.Count > 0
            ? (null, $"the cell's machine(s) {string.Join(", ", foreign)} are not in this farm's pool; took the same profile and count")
            : (cell.Machines, null);
    }

    /// <summary>
    /// Whether <paramref name="granted"/> is exactly <paramref name="preferred"/>, with the reason: each preferred machine not
    /// granted and its state then (<paramref name="stateOf"/>; busy, or Suspect/Quarantined: not healthy).
    /// </summary>
    public static (bool Same, string Reason) Of(IReadOnlyList<string> preferred, IReadOnlyList<string> granted, Func<string, MachineState?> stateOf)
    {
        ArgumentNullException.ThrowIfNull(preferred);
        ArgumentNullException.ThrowIfNull(granted);
        ArgumentNullException.ThrowIfNull(stateOf);
        var missed = preferred.Where(m => !granted.Contains(m, StringComparer.Ordinal)).ToList();
        if (missed.Count == 0 && granted.Count == preferred.Count) return (true, $"the cell's machines {string.Join(", ", preferred)} were free");
        var why = missed.Select(m => stateOf(m) switch
        {
            null => $"{m} is gone from the pool",
            MachineState.Suspect or MachineState.Quarantined or MachineState.Retired => $"{m} is not healthy ({stateOf(m)})",
            { } s => $"{m} was busy ({s})",
        });
        return (false, $"{string.Join("; ", why)}; took the same profile and count: {string.Join(", ", granted)}");
    }
}
