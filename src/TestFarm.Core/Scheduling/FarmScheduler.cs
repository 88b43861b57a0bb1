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

    /// <summary>The last snapshot <see cref="Reserve(ReservationRequest, SchedulerInput, FreePool, IReadOnlyList{Placement})"/> was asked about, as a state.</summary>
    private Reserving? _reserving;

    private sealed record Reserving(SchedulerInput Input, SchedulerState State);

    public GangChooser Chooser => chooser;
    public PolicyOptions Options => _checked;

    public TimeSpan Estimate(ReservationRequest request) => estimator.Estimate(request);

    public double Score(ReservationRequest r, DateTimeOffset now, IReadOnlyDictionary<string, int> heldByRepository, int poolSize) =>
        options.Weight(r.Priority)
        + Deadlines.Urgency(r, now, options)
        + options.AgingPerHour * Math.Max(0, (now - r.SubmittedAt).TotalHours)
        - options.FairSharePenalty * (poolSize == 0 ? 0 : heldByRepository.GetValueOrDefault(r.Repository) / (double)poolSize);

    public IReadOnlyList<ReservationRequest> Order(SchedulerInput input) => [.. Rank(SchedulerState.From(input)).Select(e => e.Request)];

    private List<SchedulerState.QueueEntry> Rank(SchedulerState state)
    {
        var (now, held, pool) = (state.Now, state.HeldByRepository, state.PoolSize);
        return state.Rank(r => Score(r, now, held, pool));
    }

    /// <summary>One decision on a snapshot: the same as on <see cref="SchedulerState.From"/> of it.</summary>
    public SchedulingDecision Decide(SchedulerInput input) => Decide(SchedulerState.From(input));

    /// <summary>
    /// One decision on the state kept between decisions. The state is only read (its queue order is kept for the next
    /// decision); the caller applies the grants it then claims as events.
    /// </summary>
    public SchedulingDecision Decide(SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var order = Rank(state);
        var free = new FreePool(state.FreeByProfile);
        var headroom = new Headroom(options, state);
        var start = new List<Placement>();
        HeadReservation? head = null;
        HashSet<string>? reserved = null;
        foreach (var entry in order)
        {
            var r = entry.Request;
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
                head = Reserve(r, state, free, start);
                if (head is null) continue;
                if (!options.Backfill) break;
                reserved = head.Machines.ToHashSet(StringComparer.Ordinal);
                continue;
            }
            var endsBeforeHead = state.Now + estimate <= head.Start;
            var fill = free.Choose(chooser, r, endsBeforeHead ? null : reserved);
            if (fill is null) continue;
            free.Take(fill, r.Profile);
            headroom.Took(r, fill, estimate);
            start.Add(new Placement(r, fill, Backfilled: true, estimate));
        }
        var ids = new List<string>(order.Count);
        foreach (var e in order) ids.Add(e.Request.Id);
        return new SchedulingDecision(start, head, ids);
    }

    /// <summary>Earliest time the head's gang fits as running holds end (and cleaning machines return).</summary>
    public HeadReservation? Reserve(ReservationRequest head, SchedulerInput input, FreePool free, IReadOnlyList<Placement> startingNow)
    {
        ArgumentNullException.ThrowIfNull(input);
        // The queue page asks once per waiting request about one snapshot: it becomes a state once. Each call takes the
        // state (another call at the same time builds its own) and puts it back after.
        var last = Interlocked.Exchange(ref _reserving, null);
        var state = last is not null && ReferenceEquals(last.Input, input) ? last.State : SchedulerState.From(input);
        var result = Reserve(head, state, free, startingNow);
        _reserving = new Reserving(input, state);
        return result;
    }

    private HeadReservation? Reserve(ReservationRequest head, SchedulerState state, FreePool free, IReadOnlyList<Placement> startingNow)
    {
        var now = state.Now;
        // The head's machines (any, without a profile) as they return: in time order, those of one time in the order listed.
        var returns = new List<(DateTimeOffset At, int Seq, MachineRecord Machine)>();
        void Returns(DateTimeOffset at, string id)
        {
            if (state.TryGetMachine(id, out var m) && (head.Profile is null || m.Profile == head.Profile)) returns.Add((at, returns.Count, m));
        }
        foreach (var h in state.HoldsOf(head.Profile))
        {
            var at = h.Value.ExpectedEnd > now ? h.Value.ExpectedEnd : now;
            foreach (var id in h.Value.Machines) Returns(at, id);
        }
        foreach (var p in startingNow)
            foreach (var id in p.Choice.MachineIds) Returns(now + p.Estimate, id);
        foreach (var m in state.CleaningOf(head.Profile)) Returns(now + options.CleaningDuration, m.Id);
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
