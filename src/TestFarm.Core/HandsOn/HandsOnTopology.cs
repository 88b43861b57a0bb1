using TestFarm.Core.Plans;

namespace TestFarm.Core.HandsOn;

/// <summary>
/// The roles a reservation's machines play in its deployed cluster: the cell's topology for a "like cell" reservation whose
/// roles add up to its machines (in the topology's order), otherwise the first machine control-plane and the rest workers.
/// </summary>
public static class HandsOnTopology
{
    public const string ControlPlane = "control-plane";
    public const string Worker = "worker";

    /// <summary>One role per machine, in the order of the reservation's machines.</summary>
    public static IReadOnlyList<string> Roles(int count, Topology? like = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (like is { Roles.Count: > 0 } t && t.Roles.Sum(r => r.Count) == count && t.Roles.Any(r => r.Name == ControlPlane))
            return [.. t.Roles.Where(r => r.Name == ControlPlane).Concat(t.Roles.Where(r => r.Name != ControlPlane)).SelectMany(r => Enumerable.Repeat(r.Name, r.Count))];
        return [ControlPlane, .. Enumerable.Repeat(Worker, count - 1)];
    }
}
