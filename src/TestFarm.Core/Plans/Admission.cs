using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;

namespace TestFarm.Core.Plans;

/// <summary>Whether a cell can be filled from a set of machines, and one way to fill it.</summary>
public sealed record CellAdmission
{
    public bool Admitted => Reason is null;
    /// <summary>Why not, e.g. "role worker needs 2× altra-q80-cx6 with storage.role=rook-osd; pool has 1".</summary>
    public string? Reason { get; init; }
    /// <summary>Role name → machines for it (distinct machines), when admitted.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<PoolMachine>> Assignment { get; init; } = new Dictionary<string, IReadOnlyList<PoolMachine>>();
}

/// <summary>
/// Admission control: can distinct machines of the cell's profile fill every role (counts × selectors),
/// all in one L2 domain when the topology asks for it? Roles are matched to machines by bipartite
/// matching, so overlapping selectors never cause a false refusal.
/// </summary>
public static class Admission
{
    public static CellAdmission Check(MatrixCell cell, HardwareProfile profile, IEnumerable<PoolMachine> machines)
    {
        var ofProfile = machines.Where(m => m.Profile == profile.Name).OrderBy(m => m.Id, StringComparer.Ordinal).ToList();
        var roles = cell.Topology.Roles;
        var total = roles.Sum(r => r.Count);
        var groups = cell.Topology.SameL2Domain
            ? ofProfile.GroupBy(m => m.Location.L2Domain, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToList()).ToList()
            : [ofProfile];
        foreach (var group in groups)
        {
            if (TryAssign(roles, profile, group) is { } assignment) return new CellAdmission { Assignment = assignment };
        }
        return new CellAdmission { Reason = $"cell {cell.Id} cannot be admitted: {Explain(cell, profile, ofProfile, total)}" };
    }

    private static string Explain(MatrixCell cell, HardwareProfile profile, List<PoolMachine> ofProfile, int total)
    {
        var short_ = cell.Topology.Roles
            .Select(r => (Role: r, Have: ofProfile.Count(m => SelectorMatcher.Matches(r.Selector, profile, m))))
            .Where(x => x.Have < x.Role.Count)
            .Select(x => x.Role.Selector.Match.Count == 0
                ? $"role {x.Role.Name} needs {x.Role.Count}× {profile.Name}; pool has {x.Have}"
                : $"role {x.Role.Name} needs {x.Role.Count}× {profile.Name} with {SelectorMatcher.Describe(x.Role.Selector)}; pool has {x.Have}")
            .ToList();
        if (short_.Count > 0) return string.Join("; ", short_);
        var split = string.Join(" + ", cell.Topology.Roles.Select(r => $"{r.Name} {r.Count}"));
        if (ofProfile.Count < total) return $"needs {total}× {profile.Name} ({split}); pool has {ofProfile.Count}";
        if (cell.Topology.SameL2Domain)
        {
            var largest = ofProfile.GroupBy(m => m.Location.L2Domain, StringComparer.Ordinal).Max(g => g.Count());
            return $"needs {total}× {profile.Name} ({split}) in one L2 domain; the largest L2 domain has {largest}";
        }
        return $"needs {total}× {profile.Name} ({split}) as distinct machines; the role selectors overlap too much to fill every role";
    }

    /// <summary>Role slots matched to distinct machines (Kuhn's augmenting paths), or null.</summary>
    private static Dictionary<string, IReadOnlyList<PoolMachine>>? TryAssign(IReadOnlyList<TopologyRole> roles, HardwareProfile profile, List<PoolMachine> machines)
    {
        var slots = roles.SelectMany(r => Enumerable.Repeat(r, r.Count)).ToList();
        if (slots.Count > machines.Count) return null;
        var candidates = slots.Select(r => machines.Select((m, i) => (m, i)).Where(x => SelectorMatcher.Matches(r.Selector, profile, x.m)).Select(x => x.i).ToList()).ToList();
        var owner = new int[machines.Count];
        Array.Fill(owner, -1);
        for (var slot = 0; slot < slots.Count; slot++)
        {
            if (!Augment(slot, candidates, owner, new bool[machines.Count])) return null;
        }
        var result = new Dictionary<string, IReadOnlyList<PoolMachine>>(StringComparer.Ordinal);
        foreach (var role in roles)
        {
            result[role.Name] = Enumerable.Range(0, machines.Count).Where(i => owner[i] >= 0 && ReferenceEquals(slots[owner[i]], role)).Select(i => machines[i]).ToList();
        }
        return result;
    }

    private static bool Augment(int slot, List<List<int>> candidates, int[] owner, bool[] seen)
    {
        foreach (var machine in candidates[slot])
        {
            if (seen[machine]) continue;
            seen[machine] = true;
            if (owner[machine] < 0 || Augment(owner[machine], candidates, owner, seen))
            {
                owner[machine] = slot;
                return true;
            }
        }
        return false;
    }
}
