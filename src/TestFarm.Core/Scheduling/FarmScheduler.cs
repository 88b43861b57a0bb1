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

    private Dictionary<string, MachineRecord>? _index;

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
        var byId = RentIndex(input);
        try
        {
            return Decide(input, byId);
        }
        finally
        {
            ReturnIndex(byId);
        }
    }

    private SchedulingDecision Decide(SchedulerInput input, Dictionary<string, MachineRecord> byId)
    {
        var order = Order(input);
        var free = new FreePool(input.Machines.Where(m => m.State == MachineState.Available));
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
    public HeadReservation? Reserve(ReservationRequest head, SchedulerInput input, FreePool free, IReadOnlyList<Placement> startingNow)
    {
        var byId = RentIndex(input);
        try
        {
            return Reserve(head, input, free, startingNow, byId);
        }
        finally
        {
            ReturnIndex(byId);
        }
    }

    /// <summary>
    /// The machines by id, built once per decision (the headroom and the reservation both look machines up) into a
    /// table kept between decisions: on a pool of thousands a fresh one is a large-object allocation each time, and
    /// those cost full collections. Each decision takes the table (or a new one, when another decision holds it).
    /// </summary>
    private Dictionary<string, MachineRecord> RentIndex(SchedulerInput input)
    {
        var byId = Interlocked.Exchange(ref _index, null) ?? new Dictionary<string, MachineRecord>(StringComparer.Ordinal);
        byId.EnsureCapacity(input.Machines.Count);
        foreach (var m in input.Machines) byId[m.Id] = m;
        return byId;
    }

    /// <summary>Gives the table back empty, so it keeps no machine records alive.</summary>
    private void ReturnIndex(Dictionary<string, MachineRecord> byId)
    {
        byId.Clear();
        _index = byId;
    }

    private HeadReservation? Reserve(ReservationRequest head, SchedulerInput input, FreePool free, IReadOnlyList<Placement> startingNow,
        Dictionary<string, MachineRecord> byId)
    {
        // The head's machines (any, without a profile) as they return: in time order, those of one time in the order listed.
        var returns = new List<(DateTimeOffset At, int Seq, MachineRecord Machine)>();
        void Returns(DateTimeOffset at, string id)
        {
            if (byId.TryGetValue(id, out var m) && (head.Profile is null || m.Profile == head.Profile)) returns.Add((at, returns.Count, m));
        }
        foreach (var h in input.Running)
        {
            var at = h.ExpectedEnd > input.Now ? h.ExpectedEnd : input.Now;
            foreach (var id in h.Machines) Returns(at, id);
        }
        foreach (var p in startingNow)
            foreach (var id in p.Choice.MachineIds) Returns(input.Now + p.Estimate, id);
        foreach (var m in input.Machines)
            if (m.State == MachineState.Cleaning) Returns(input.Now + options.CleaningDuration, m.Id);
        returns.Sort((a, b) => a.At != b.At ? a.At.CompareTo(b.At) : a.Seq.CompareTo(b.Seq));
        // Returning machines come first, so the reservation leaves free machines to backfill where it can.
        var freeNow = free.Snapshot(head);
        // A gang that all these machines together cannot form never forms: one look instead of one per batch. A gang any
        // machines of its profile form needs no look: the counts below decide, and the one choice made then succeeds.
        if (!chooser.TakesInOrder(head)
            && chooser.Choose(head, [.. returns.Select(x => x.Machine with { State = MachineState.Available }), .. freeNow]) is null) return null;
        var returning = new List<MachineRecord>();
        var needed = head.MachineCount;
        var perDomain = new Dictionary<string, int>(StringComparer.Ordinal);
        var largest = 0;
        void Count(MachineRecord m)
        {
            var n = perDomain[m.L2Domain] = perDomain.GetValueOrDefault(m.L2Domain) + 1;
            largest = Math.Max(largest, n);
        }
        foreach (var m in freeNow) Count(m);
        for (var i = 0; i < returns.Count;)
        {
            var at = returns[i].At;
            for (; i < returns.Count && returns[i].At == at; i++)
            {
                returning.Add(returns[i].Machine with { State = MachineState.Available });
                Count(returns[i].Machine);
            }
            if (returning.Count + freeNow.Count < needed) continue;
            if (head.Topology.SameL2Domain && largest < needed) continue;
            var choice = chooser.Choose(head, [.. returning, .. freeNow]);
            if (choice is not null) return new HeadReservation(head.Id, at, choice.MachineIds);
        }
        return null;
    }
}
