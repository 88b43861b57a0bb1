using TestFarm.Core.Machines;

namespace TestFarm.Core.Scheduling;

/// <summary>
/// Available machines grouped by profile (each list in machine-id order), so each request looks only at its own
/// profile. A request whose gang cannot fit by count alone (free machines of its profile, less those excluded, less
/// per L2 domain when it needs one) is turned down without a scan, and a request any machines of its profile satisfy
/// (see <see cref="GangChooser.TakesInOrder"/>) takes the first ones without building candidate lists: a decision
/// then costs about the requests times a count look-up, plus a scan of one profile per request that starts.
/// </summary>
public sealed class FreePool
{
    private readonly Dictionary<string, List<MachineRecord>> _byProfile = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>Profiles whose lists belong to a <see cref="SchedulerState"/>: copied before the first take changes them.</summary>
    private readonly HashSet<string> _borrowed = new(StringComparer.Ordinal);

    /// <summary>The exclusion set last asked about, and how many free machines of each profile it holds (filled lazily).</summary>
    private HashSet<string>? _excluded;
    private readonly Dictionary<string, int> _excludedFree = new(StringComparer.Ordinal);

    public FreePool(IEnumerable<MachineRecord> machines)
    {
        var list = machines.ToList();
        var sorted = true;
        for (var i = 1; i < list.Count && sorted; i++) sorted = string.CompareOrdinal(list[i - 1].Id, list[i].Id) <= 0;
        // A store lists machines by id already; sorting then would be most of the pool's cost.
        foreach (var m in sorted ? list : (IEnumerable<MachineRecord>)list.OrderBy(m => m.Id, StringComparer.Ordinal))
        {
            if (!_byProfile.TryGetValue(m.Profile, out var own)) _byProfile[m.Profile] = own = [];
            own.Add(m);
            _count++;
        }
    }

    /// <summary>
    /// The free machines a <see cref="SchedulerState"/> keeps, borrowed: only a profile a decision takes from is copied.
    /// Profiles are listed by their first machine's id, as the pool built from a listing by id lists them.
    /// </summary>
    internal FreePool(Dictionary<string, List<MachineRecord>> free)
    {
        var lists = new List<(string Profile, List<MachineRecord> Machines)>(free.Count);
        foreach (var (profile, list) in free)
            if (list.Count > 0) lists.Add((profile, list));
        lists.Sort((a, b) => string.CompareOrdinal(a.Machines[0].Id, b.Machines[0].Id));
        foreach (var (profile, list) in lists)
        {
            _byProfile[profile] = list;
            _borrowed.Add(profile);
            _count += list.Count;
        }
    }

    public List<MachineRecord> Snapshot(ReservationRequest r) =>
        r.Profile is null ? _byProfile.Values.SelectMany(l => l).ToList() : _byProfile.TryGetValue(r.Profile, out var l) ? [.. l] : [];

    public GangChoice? Choose(GangChooser chooser, ReservationRequest r, HashSet<string>? exclude)
    {
        ArgumentNullException.ThrowIfNull(chooser);
        ArgumentNullException.ThrowIfNull(r);
        if (exclude is { Count: 0 }) exclude = null;
        if (r.Profile is null) return ChooseAmong(chooser, r, _byProfile.Values.SelectMany(l => l).ToList(), exclude);
        if (!_byProfile.TryGetValue(r.Profile, out var own) || own.Count < r.MachineCount) return null;
        if (exclude is not null && own.Count - ExcludedFree(exclude, r.Profile, own) < r.MachineCount) return null;
        if (!chooser.TakesInOrder(r)) return ChooseAmong(chooser, r, own, exclude);
        return r.Topology.SameL2Domain ? FirstInLargestDomain(r, own, exclude) : First(r, own, exclude, domain: null);
    }

    /// <summary>The general path: every candidate through the chooser.</summary>
    private static GangChoice? ChooseAmong(GangChooser chooser, ReservationRequest r, List<MachineRecord> candidates, HashSet<string>? exclude)
    {
        if (candidates.Count < r.MachineCount) return null;
        if (exclude is not null) candidates = candidates.Where(m => !exclude.Contains(m.Id)).ToList();
        return candidates.Count < r.MachineCount ? null : chooser.Choose(r, candidates);
    }

    /// <summary>
    /// What <see cref="GangChooser.Choose"/> picks with one domain when any machine fits: the domains by size, largest
    /// first (the first seen among equals), and there the first machines.
    /// </summary>
    private static GangChoice? FirstInLargestDomain(ReservationRequest r, List<MachineRecord> own, HashSet<string>? exclude)
    {
        var sizes = new List<(string Domain, int Count)>();
        foreach (var m in own)
        {
            if (exclude is not null && exclude.Contains(m.Id)) continue;
            var i = sizes.FindIndex(d => string.Equals(d.Domain, m.L2Domain, StringComparison.Ordinal));
            if (i < 0) sizes.Add((m.L2Domain, 1));
            else sizes[i] = (m.L2Domain, sizes[i].Count + 1);
        }
        var best = -1;
        for (var i = 0; i < sizes.Count; i++)
            if (best < 0 || sizes[i].Count > sizes[best].Count) best = i;
        return best < 0 || sizes[best].Count < r.MachineCount ? null : First(r, own, exclude, sizes[best].Domain);
    }

    private static GangChoice? First(ReservationRequest r, List<MachineRecord> own, HashSet<string>? exclude, string? domain)
    {
        var picked = new List<MachineRecord>(r.MachineCount);
        foreach (var m in own)
        {
            if (picked.Count == r.MachineCount) break;
            if (exclude is not null && exclude.Contains(m.Id)) continue;
            if (domain is not null && !string.Equals(m.L2Domain, domain, StringComparison.Ordinal)) continue;
            picked.Add(m);
        }
        return picked.Count < r.MachineCount ? null : GangChooser.InOrder(r, picked);
    }

    private int ExcludedFree(HashSet<string> exclude, string profile, List<MachineRecord> own)
    {
        if (!ReferenceEquals(exclude, _excluded))
        {
            _excluded = exclude;
            _excludedFree.Clear();
        }
        if (_excludedFree.TryGetValue(profile, out var n)) return n;
        n = 0;
        foreach (var m in own)
            if (exclude.Contains(m.Id)) n++;
        _excludedFree[profile] = n;
        return n;
    }

    public void Take(GangChoice choice) => Take(choice, profile: null);

    /// <summary>Takes the chosen machines; with the request's <paramref name="profile"/> only that profile's machines are looked at.</summary>
    public void Take(GangChoice choice, string? profile)
    {
        ArgumentNullException.ThrowIfNull(choice);
        var ids = choice.MachineIds.ToHashSet(StringComparer.Ordinal);
        if (profile is not null && _byProfile.ContainsKey(profile))
        {
            _count -= Own(profile).RemoveAll(m => ids.Contains(m.Id));
            _excludedFree.Remove(profile);
            return;
        }
        foreach (var p in _byProfile.Keys.ToList())
            if (_byProfile[p].Exists(m => ids.Contains(m.Id))) _count -= Own(p).RemoveAll(m => ids.Contains(m.Id));
        _excludedFree.Clear();
    }

    /// <summary>The profile's list, this pool's own (a borrowed one is copied first).</summary>
    private List<MachineRecord> Own(string profile)
    {
        var list = _byProfile[profile];
        if (!_borrowed.Remove(profile)) return list;
        return _byProfile[profile] = [.. list];
    }

    public int Count => _count;
}
