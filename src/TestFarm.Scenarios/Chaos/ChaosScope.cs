using TestFarm.Scenarios.Engine;

namespace TestFarm.Scenarios.Chaos;

/// <summary>
/// The fence around a chaos step: only the cell's own cluster, its nodes and its machines. Every target is
/// resolved through here; anything else throws <see cref="ChaosRefusedException"/> before any action.
/// </summary>
public sealed class ChaosScope(CellContext cell)
{
    private readonly HashSet<string> _nodes = cell.Machines.Select(m => m.NodeName).ToHashSet(StringComparer.Ordinal);

    /// <summary>A step that names a cluster must name the cell's.</summary>
    public void RequireCluster(string? cluster)
    {
        if (cluster is not null && cluster != cell.ClusterName)
            throw new ChaosRefusedException($"cluster '{cluster}' is not the cell's cluster '{cell.ClusterName}' (cell {cell.CellId})");
    }

    /// <summary>Resolves a machine id or node name of this cell, or refuses.</summary>
    public CellMachine Machine(string idOrNode) =>
        cell.FindMachine(idOrNode)
        ?? throw new ChaosRefusedException($"'{idOrNode}' is not a machine or node of cell {cell.CellId} (its machines: {string.Join(", ", cell.Machines.Select(m => m.Machine.Id))})");

    /// <summary>Machines of a role (e.g. worker) in this cell, or refuses when there are none.</summary>
    public IReadOnlyList<CellMachine> Role(string role)
    {
        var machines = cell.Machines.Where(m => m.Role == role).ToList();
        return machines.Count > 0 ? machines : throw new ChaosRefusedException($"cell {cell.CellId} has no machine with role '{role}'");
    }

    /// <summary>Is a pod on one of the cell's nodes (pods not yet scheduled are inside: they belong to the cell's cluster)?</summary>
    public bool OwnsNode(string? nodeName) => nodeName is null || _nodes.Count == 0 || _nodes.Contains(nodeName);
}
