using TestFarm.Core.Machines;

namespace TestFarm.Core.Scheduling;

/// <summary>
/// The farm's policy, pure and deterministic: requests ordered by priority weight + aging − fair-share penalty;
/// in that order each starts if its gang fits the free machines; the first that does not becomes the head and
/// gets a reservation (earliest time its gang fits as holds end); later requests backfill only if they end by
/// then or leave the head's reserved machines alone (EASY backfill).
/// </summary>
public sealed class FarmScheduler(GangChooser chooser, PolicyOptions options, IDurationEstimator estimator)
{
    private readonly PolicyOptions _checked = options.Problems() is { Count: > 0 } problems
        ? throw new ArgumentException("policy options: " + string.Join("; ", problems), nameof(options))
        : options;

    public GangChooser Chooser => chooser;
    public PolicyOptions Options => _checked;

    public TimeSpan Estimate(ReservationRequest request) => estimator.Estimate(request);

    public double Score(ReservationRequest r, DateTimeOffset now, IReadOnlyDictionary<string, int> heldByRepository, int poolSize) =>
        options.Weight(r.Priority)
        + Deadlines.Urgency(r, now, options)
        + options.AgingPerHour * Math.Max(0, (now - r.SubmittedAt).TotalHours)
        - options.FairSharePenalty * (poolSize == 0 ? 0 : heldByRepository.GetValueOrDefault(r.Repository) / (double)poolSize);

    public IReadOnlyList<ReservationRequest> Order(SchedulerInput input)
    {
        var held = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var h in input.Running) held[h.Repository] = held.GetValueOrDefault(h.Repository) + h.Machines.Count;
        var pool = input.Machines.Count(m => m.State != MachineState.Retired);
        return input.Queue
            .Select(r => (r, s: Score(r, input.Now, held, pool)))
            .OrderByDescending(x => x.s).ThenBy(x => x.r.SubmittedAt).ThenBy(x => x.r.Id, StringComparer.Ordinal)
            .Select(x => x.r).ToList();
    }

    public SchedulingDecision Decide(SchedulerInput input)
    {
        var order = Order(input);
        var free = new FreePool(input.Machines.Where(m => m.State == MachineState.Available));
        var byId = ById(input);
        var headroom = new Headroom(options, input, byId);
        var start = new List<Placement>();
        HeadReservation? head = null;
        HashSet<string>? reserved = null;
        foreach (var r in order)
        {
            var estimate = estimator.Estimate(r);
            if (!headroom.Allows(r, estimate)) continue;
            if (head is null)
            {
                var choice = free.Choose(chooser, r, exclude: null);
                if (choice is not null)
                {
                    free.Take(choice, r.Profile);
                    headroom.Took(r, choice, estimate);
                    start.Add(new Placement(r, choice, Backfilled: false, estimate));
                    continue;
                }
                head = Reserve(r, input, free, start, byId);
                if (head is null) continue;
                if (!options.Backfill) break;
                reserved = head.Machines.ToHashSet(StringComparer.Ordinal);
                continue;
            }
            var endsBeforeHead = input.Now + estimate <= head.Start;
            var fill = free.Choose(chooser, r, endsBeforeHead ? null : reserved);
            if (fill is null) continue;
            free.Take(fill, r.Profile);
            headroom.Took(r, fill, estimate);
            start.Add(new Placement(r, fill, Backfilled: true, estimate));
        }
        return new SchedulingDecision(start, head, order.Select(r => r.Id).ToList());
    }

    /// <summary>Earliest time the head's gang fits as running holds end (and cleaning machines return).</summary>
    public HeadReservation? Reserve(ReservationRequest head, SchedulerInput input, FreePool free, IReadOnlyList<Placement> startingNow) =>
        Reserve(head, input, free, startingNow, ById(input));

    /// <summary>The machines by id, built once per decision (the headroom and the reservation both look machines up).</summary>
    private static Dictionary<string, MachineRecord> ById(SchedulerInput input)
    {
        var byId = new Dictionary<string, MachineRecord>(input.Machines.Count, StringComparer.Ordinal);
        foreach (var m in input.Machines) byId[m.Id] = m;
        return byId;
    }

    private HeadReservation? Reserve(ReservationRequest head, SchedulerInput input, FreePool free, IReadOnlyList<Placement> startingNow,
        Dictionary<string, MachineRecord> byId)
    {
        var returns = new List<(DateTimeOffset At, string Machine)>();
        foreach (var h in input.Running) returns.AddRange(h.Machines.Select(m => (h.ExpectedEnd > input.Now ? h.ExpectedEnd : input.Now, m)));
        foreach (var p in startingNow) returns.AddRange(p.Choice.MachineIds.Select(m => (input.Now + p.Estimate, m)));
        returns.AddRange(input.Machines.Where(m => m.State == MachineState.Cleaning).Select(m => (input.Now + options.CleaningDuration, m.Id)));
        // Returning machines come first, so the reservation leaves free machines to backfill where it can.
        var freeNow = free.Snapshot(head);
        var batches = returns.Where(x => byId.TryGetValue(x.Machine, out var m) && (head.Profile is null || m.Profile == head.Profile))
            .GroupBy(x => x.At).OrderBy(g => g.Key)
            .Select(g => (At: g.Key, Machines: g.Select(x => byId[x.Machine] with { State = MachineState.Available }).ToList())).ToList();
        // A gang that all these machines together cannot form never forms: one look instead of one per batch.
        if (chooser.Choose(head, [.. batches.SelectMany(b => b.Machines), .. freeNow]) is null) return null;
        var returning = new List<MachineRecord>();
        var needed = head.MachineCount;
        var perDomain = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var m in freeNow) perDomain[m.L2Domain] = perDomain.GetValueOrDefault(m.L2Domain) + 1;
        foreach (var (at, machines) in batches)
        {
            returning.AddRange(machines);
            foreach (var m in machines) perDomain[m.L2Domain] = perDomain.GetValueOrDefault(m.L2Domain) + 1;
            if (returning.Count + freeNow.Count < needed) continue;
            if (head.Topology.SameL2Domain && perDomain.Values.Max() < needed) continue;
            var choice = chooser.Choose(head, [.. returning, .. freeNow]);
            if (choice is not null) return new HeadReservation(head.Id, at, choice.MachineIds);
        }
        return null;
    }
}

/// <summary>Available machines grouped by profile, so each request looks only at its own profile.</summary>
public sealed class FreePool
{
    private readonly Dictionary<string, List<MachineRecord>> _byProfile = new(StringComparer.Ordinal);
    private int _count;

    public FreePool(IEnumerable<MachineRecord> machines)
    {
        foreach (var m in machines.OrderBy(m => m.Id, StringComparer.Ordinal))
        {
            if (!_byProfile.TryGetValue(m.Profile, out var list)) _byProfile[m.Profile] = list = [];
            list.Add(m);
            _count++;
        }
    }

    public List<MachineRecord> Snapshot(ReservationRequest r) =>
        r.Profile is null ? _byProfile.Values.SelectMany(l => l).ToList() : _byProfile.TryGetValue(r.Profile, out var l) ? [.. l] : [];

    public GangChoice? Choose(GangChooser chooser, ReservationRequest r, HashSet<string>? exclude)
    {
        List<MachineRecord> candidates = r.Profile is null
            ? _byProfile.Values.SelectMany(l => l).ToList()
            : _byProfile.TryGetValue(r.Profile, out var l) ? l : [];
        if (candidates.Count < r.MachineCount) return null;
        if (exclude is { Count: > 0 }) candidates = candidates.Where(m => !exclude.Contains(m.Id)).ToList();
        return candidates.Count < r.MachineCount ? null : chooser.Choose(r, candidates);
    }

    public void Take(GangChoice choice) => Take(choice, profile: null);

    /// <summary>Takes the chosen machines; with the request's <paramref name="profile"/> only that profile's machines are looked at.</summary>
    public void Take(GangChoice choice, string? profile)
    {
        var ids = choice.MachineIds.ToHashSet(StringComparer.Ordinal);
        if (profile is not null && _byProfile.TryGetValue(profile, out var own))
        {
            _count -= own.RemoveAll(m => ids.Contains(m.Id));
            return;
        }
        foreach (var list in _byProfile.Values) _count -= list.RemoveAll(m => ids.Contains(m.Id));
    }

    public int Count => _count;
}
