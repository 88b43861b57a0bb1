using TestFarm.Core.Hardware;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;

namespace TestFarm.Core.Scheduling;

/// <summary>The machines picked for one request, by role; spares under the role name "spare".</summary>
public sealed record GangChoice(IReadOnlyList<(string Role, string MachineId)> Assignments)
{
    public IReadOnlyList<string> MachineIds => Assignments.Select(a => a.MachineId).ToList();
}

/// <summary>
/// All-or-nothing choice of machines for a request: every role gets its count, spares come on top, and with
/// <c>SameL2Domain</c> every machine shares one domain. Returns null when the candidates cannot satisfy it.
/// Pure and deterministic: candidates are considered in the order given, the request's preferred machines first.
/// </summary>
public sealed class GangChooser(IReadOnlyDictionary<string, HardwareProfile> profiles, IMachineMatcher? matcher = null)
{
    private readonly IMachineMatcher _matcher = matcher ?? SimpleMachineMatcher.Instance;

    public IReadOnlyDictionary<string, HardwareProfile> Profiles => profiles;

    public bool Fits(MachineRecord machine, ReservationRequest request, Selector selector)
    {
        if (request.Profile is { } p && !string.Equals(machine.Profile, p, StringComparison.Ordinal)) return false;
        return profiles.TryGetValue(machine.Profile, out var profile) && _matcher.Matches(machine, profile, selector);
    }

    /// <summary>
    /// True when any <paramref name="request"/>.MachineCount available machines of its (known) profile form a valid
    /// gang: a fixed profile, every role selector empty (an empty selector matches every machine), no L2 constraint and no
    /// preferred machines.
    /// A store may then pick the machines itself, in the same statement that locks them.
    /// </summary>
    public bool AnyMachinesOfProfileFit(ReservationRequest request) =>
        request.Profile is { } p && profiles.ContainsKey(p) && !request.Topology.SameL2Domain && request.PreferredMachines is not { Count: > 0 }
        && request.Topology.Roles.Count > 0 && request.Topology.Roles.All(r => r.Selector.Match.Count == 0);

    /// <summary>
    /// True when every available machine of the request's (known) profile fits every role and the spares: a fixed
    /// profile and every role selector empty, under the built-in matcher (another matcher may read an empty selector
    /// its own way), and no preferred machines (those are moved to the front first). <see cref="Choose"/> then takes the
    /// candidates in order, which <see cref="InOrder"/> does directly.
    /// </summary>
    public bool TakesInOrder(ReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _matcher is SimpleMachineMatcher && request.Profile is { } p && profiles.ContainsKey(p) && request.PreferredMachines is not { Count: > 0 }
            && request.Topology.Roles.Count > 0 && request.Topology.Roles.All(r => r.Selector.Match.Count == 0);
    }

    /// <summary>The choice <see cref="Choose"/> makes on these machines when any of them fits any role: roles in order, then the spares.</summary>
    internal static GangChoice InOrder(ReservationRequest request, IReadOnlyList<MachineRecord> machines)
    {
        var picks = new List<(string, string)>(request.MachineCount);
        var next = 0;
        foreach (var role in request.Topology.Roles)
            for (var i = 0; i < role.Count; i++) picks.Add((role.Name, machines[next++].Id));
        for (var i = 0; i < request.Spares; i++) picks.Add(("spare", machines[next++].Id));
        return new GangChoice(picks);
    }

    public GangChoice? Choose(ReservationRequest request, IReadOnlyList<MachineRecord> candidates)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.PreferredMachines is { Count: > 0 } preferred)
            candidates = [.. candidates.OrderBy(m => preferred.Contains(m.Id, StringComparer.Ordinal) ? 0 : 1)]; // stable: the rest keep their order
        if (!request.Topology.SameL2Domain) return ChooseIn(request, candidates);
        foreach (var domain in candidates.GroupBy(m => m.L2Domain, StringComparer.Ordinal).OrderByDescending(g => g.Count()))
        {
            var choice = ChooseIn(request, domain.ToList());
            if (choice is not null) return choice;
        }
        return null;
    }

    private GangChoice? ChooseIn(ReservationRequest request, IReadOnlyList<MachineRecord> candidates)
    {
        if (candidates.Count < request.MachineCount) return null;
        var roles = request.Topology.Roles
            .Select(r => (Role: r, Matching: candidates.Where(m => Fits(m, request, r.Selector)).ToList()))
            .OrderBy(x => x.Matching.Count)
            .ToList();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var picks = new List<(string, string)>(request.MachineCount);
        foreach (var (role, matching) in roles)
        {
            var free = matching.Where(m => !taken.Contains(m.Id)).Take(role.Count).ToList();
            if (free.Count < role.Count) return null;
            foreach (var m in free) { taken.Add(m.Id); picks.Add((role.Name, m.Id)); }
        }
        if (request.Spares > 0)
        {
            var spareSelector = request.Topology.Roles.Count > 0 ? request.Topology.Roles[^1].Selector : Selector.Any;
            var spares = candidates.Where(m => !taken.Contains(m.Id) && Fits(m, request, spareSelector)).Take(request.Spares).ToList();
            if (spares.Count < request.Spares) return null;
            picks.AddRange(spares.Select(m => ("spare", m.Id)));
        }
        return new GangChoice(picks);
    }
}
