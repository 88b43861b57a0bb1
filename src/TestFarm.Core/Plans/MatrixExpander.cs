using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;

namespace TestFarm.Core.Plans;

/// <summary>A plan's matrix as cells, with the cells the pool cannot satisfy set apart.</summary>
public sealed record MatrixExpansion
{
    /// <summary>Cells the pool can satisfy, sorted by id.</summary>
    public IReadOnlyList<MatrixCell> Cells { get; init; } = [];
    /// <summary>Cells no set of machines in the pool can satisfy, with the reason.</summary>
    public IReadOnlyList<AdmissionProblem> Rejected { get; init; } = [];
}

public sealed record AdmissionProblem(MatrixCell Cell, string Message);

/// <summary>
/// Expands a plan's matrix into cells: every profile that matches one of the matrix's profile selectors,
/// times every topology, minus <c>exclude</c>, plus <c>include</c>. Ids are <c>plan/profile/topology</c>,
/// sorted ordinally, so the same plan and profiles always give the same cells in the same order.
/// </summary>
public static class MatrixExpander
{
    public static IReadOnlyList<MatrixCell> Expand(Plan plan, IEnumerable<HardwareProfile> profiles)
    {
        var byName = profiles.GroupBy(p => p.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var topologies = plan.Matrix.Topologies.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var pairs = new HashSet<(string Profile, string Topology)>();
        foreach (var profile in byName.Values.Where(p => plan.Matrix.Profiles.Any(s => SelectorMatcher.Matches(s, p))))
        {
            foreach (var topology in topologies.Keys) pairs.Add((profile.Name, topology));
        }
        pairs.RemoveWhere(pair => plan.Matrix.Exclude.Any(x =>
            (x.Profile is null || x.Profile == pair.Profile) && (x.Topology is null || x.Topology == pair.Topology)));
        foreach (var include in plan.Matrix.Include)
        {
            if (include.Profile is { } p && include.Topology is { } t && byName.ContainsKey(p) && topologies.ContainsKey(t)) pairs.Add((p, t));
        }
        return pairs
            .Select(pair => new MatrixCell
            {
                Id = CellId(plan.Name, pair.Profile, pair.Topology), Plan = plan.Name, Profile = pair.Profile, Topology = topologies[pair.Topology],
            })
            .OrderBy(c => c.Id, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Expands and checks every cell against the pool (admission control).</summary>
    public static MatrixExpansion Expand(Plan plan, IEnumerable<HardwareProfile> profiles, PoolInventory pool)
    {
        var list = profiles.ToList();
        var byName = list.GroupBy(p => p.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var admitted = new List<MatrixCell>();
        var rejected = new List<AdmissionProblem>();
        foreach (var cell in Expand(plan, list))
        {
            var check = Admission.Check(cell, byName[cell.Profile], pool.Machines);
            if (check.Admitted) admitted.Add(cell);
            else rejected.Add(new AdmissionProblem(cell, check.Reason!));
        }
        return new MatrixExpansion { Cells = admitted, Rejected = rejected };
    }

    public static string CellId(string plan, string profile, string topology) => $"{plan}/{profile}/{topology}";
}
