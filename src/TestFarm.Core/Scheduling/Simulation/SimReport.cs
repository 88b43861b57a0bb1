namespace TestFarm.Core.Scheduling.Simulation;

/// <summary>A floor under the longest wait (see <see cref="SimReport.MaxWaitFloor"/>), and the profile and arrival that set it.</summary>
public sealed record WaitFloor(TimeSpan Floor, string? Profile, DateTimeOffset? Arrival);

/// <summary>Figures of one simulated run.</summary>
public sealed record SimReport(string Policy, TimeSpan Makespan, TimeSpan LowerBound, double Utilization, TimeSpan PrWaitP95, TimeSpan PrTurnaroundP95,
    TimeSpan NightlyWaitP95, TimeSpan ReleaseWaitMax, TimeSpan MaxWait, int Jobs)
{
    /// <summary>Cells whose whole gang was fast-tracked (no reimage POST), and the eligible ones (trusted build, profile allows, farm fast-tracks).</summary>
    public (int FastTracked, int Eligible) FastTrackedCells { get; init; }

    /// <summary>Share of nightly cells with a deadline that ended by it (1 when none has one).</summary>
    public double NightlyOnTime { get; init; } = 1;

    /// <summary>The nightly cells that ended after their deadline.</summary>
    public int NightlyLate { get; init; }

    public static SimReport From(string policy, SimTrace trace, IReadOnlyList<SimOutcome> outcomes)
    {
        var end = outcomes.Max(o => o.End);
        var makespan = end - trace.Start;
        var busyHours = outcomes.Sum(o => (o.End - o.Start).TotalHours * o.Job.Request.MachineCount);
        return new SimReport(policy, makespan, ComputeLowerBound(trace), busyHours / (trace.Machines.Count * makespan.TotalHours),
            P95(outcomes.Where(o => o.Job.Kind == "pr").Select(o => o.Wait)),
            P95(outcomes.Where(o => o.Job.Kind == "pr").Select(o => o.End - o.Job.Request.SubmittedAt)),
            P95(outcomes.Where(o => o.Job.Kind == "nightly").Select(o => o.Wait)),
            outcomes.Where(o => o.Job.Kind == "release").Select(o => o.Wait).DefaultIfEmpty().Max(),
            outcomes.Max(o => o.Wait), outcomes.Count)
        {
            NightlyOnTime = OnTime(outcomes.Where(o => o.Job.Kind == "nightly"), out var late),
            NightlyLate = late,
            FastTrackedCells = (outcomes.Count(o => o.FastTracked), outcomes.Count(o => trace.FastTrackSaving(o.Job) > TimeSpan.Zero)),
        };
    }

    private static double OnTime(IEnumerable<SimOutcome> outcomes, out int late)
    {
        var due = outcomes.Where(o => o.Job.Request.Deadline is not null).ToList();
        late = due.Count(o => o.End > o.Job.Request.Deadline!.Value);
        return due.Count == 0 ? 1 : (due.Count - late) / (double)due.Count;
    }

    /// <summary>
    /// No schedule can finish before every job's arrival + its own duration, nor before each profile's total
    /// machine-time divided by its machines (counted from that profile's first arrival). Durations are the shortest each
    /// job may take (fast-tracked where it may be, <see cref="SimTrace.Shortest"/>).
    /// </summary>
    public static TimeSpan ComputeLowerBound(SimTrace trace)
    {
        var lb = trace.Jobs.Max(j => j.Request.SubmittedAt + trace.Shortest(j)) - trace.Start;
        foreach (var g in trace.Jobs.GroupBy(j => j.Request.Profile))
        {
            var machines = trace.Machines.Count(m => m.Profile == g.Key);
            var work = g.Sum(j => trace.Shortest(j).TotalHours * j.Request.MachineCount) / machines;
            var first = g.Min(j => j.Request.SubmittedAt) - trace.Start;
            lb = TimeSpan.FromHours(Math.Max(lb.TotalHours, first.TotalHours + work));
        }
        return lb;
    }

    /// <summary>
    /// The best share of nightly cells any schedule could finish by their deadlines: per night and profile, a cell
    /// longer than its window is late whatever the policy, and the rest fit at most the profile's machine-hours
    /// in that window (shortest first maximises their number). Failures and gang shapes only lower it further.
    /// </summary>
    public static double NightlyOnTimeCeiling(SimTrace trace)
    {
        var due = trace.Jobs.Where(j => j.Kind == "nightly" && j.Request.Deadline is not null).ToList();
        if (due.Count == 0) return 1;
        var possible = 0;
        foreach (var g in due.GroupBy(j => (j.Request.Profile, j.Request.SubmittedAt, j.Request.Deadline)))
        {
            var window = g.Key.Deadline!.Value - g.Key.SubmittedAt;
            var capacity = trace.Machines.Count(m => m.Profile == g.Key.Profile) * window.TotalHours;
            foreach (var j in g.Where(j => trace.Shortest(j) <= window).OrderBy(j => trace.Shortest(j).TotalHours * j.Request.MachineCount))
            {
                capacity -= trace.Shortest(j).TotalHours * j.Request.MachineCount;
                if (capacity < 0) break;
                possible++;
            }
        }
        return possible / (double)due.Count;
    }

    /// <summary>
    /// A floor under the longest wait any schedule of this trace can have, even one that knows every actual duration:
    /// the cells a profile is asked for at one instant (a night's matrix) must all start within the wait, and in that
    /// window a machine starts at most 1 + wait / (shortest of those cells) of them — none before it is back from a
    /// request that, itself waiting no longer, must still be running then (a release qualification's long gang). Gang
    /// shapes, failures and later arrivals only raise it. Durations are the shortest each request may take (fast-tracked
    /// where it may be, <see cref="SimTrace.Shortest"/>). Searched in minutes up to a day.
    /// </summary>
    public static WaitFloor MaxWaitFloor(SimTrace trace)
    {
        var floor = TimeSpan.Zero;
        var result = new WaitFloor(floor, null, null);
        var machines = trace.Machines.GroupBy(m => m.Profile, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var byProfile = trace.Jobs.Where(j => j.Request.Profile is not null).GroupBy(j => j.Request.Profile!, StringComparer.Ordinal);
        foreach (var profile in byProfile)
        {
            var jobs = profile.ToList();
            var pool = machines.GetValueOrDefault(profile.Key);
            foreach (var batch in jobs.GroupBy(j => j.Request.SubmittedAt))
            {
                var at = batch.Key;
                var starts = batch.Sum(j => j.Request.MachineCount);
                var shortest = batch.Min(trace.Shortest);
                var earlier = jobs.Where(j => j.Request.SubmittedAt < at && j.Request.SubmittedAt + trace.Shortest(j) > at)
                    .Select(j => (j.Request.SubmittedAt, End: j.Request.SubmittedAt + trace.Shortest(j), j.Request.MachineCount)).ToList();
                for (var wait = floor; wait < TimeSpan.FromDays(1); wait += TimeSpan.FromMinutes(1))
                {
                    if (Capacity(pool, at, wait, shortest, earlier) >= starts) break;
                    floor = wait + TimeSpan.FromMinutes(1);
                    result = new WaitFloor(floor, profile.Key, at);
                }
            }
        }
        return result;
    }

    /// <summary>Most cells that can start on <paramref name="pool"/> machines in [at, at + wait] (see <see cref="MaxWaitFloor"/>).</summary>
    private static long Capacity(int pool, DateTimeOffset at, TimeSpan wait, TimeSpan shortest,
        List<(DateTimeOffset SubmittedAt, DateTimeOffset End, int MachineCount)> earlier)
    {
        long PerMachine(TimeSpan window) => window < TimeSpan.Zero ? 0 : 1 + (long)(window / shortest);
        var free = pool;
        long capacity = 0;
        // Started by at at the latest (it waits no longer than wait), so still running until its end.
        foreach (var j in earlier.Where(j => j.SubmittedAt + wait <= at).OrderByDescending(j => j.End))
        {
            var held = Math.Min(free, j.MachineCount);
            free -= held;
            capacity += held * PerMachine(at + wait - j.End);
        }
        return capacity + free * PerMachine(wait);
    }

    /// <summary>Late nightly cells per night (the deadline's date), e.g. "Tue:3 Fri:2"; empty when none is late.</summary>
    public static string LateByNight(IReadOnlyList<SimOutcome> outcomes) => string.Join(" ", outcomes
        .Where(o => o.Job.Kind == "nightly" && o.Job.Request.Deadline is { } d && o.End > d)
        .GroupBy(o => o.Job.Request.Deadline!.Value.Date).OrderBy(g => g.Key)
        .Select(g => $"{g.Key.DayOfWeek.ToString()[..3]}:{g.Count()}"));

    /// <summary>The <paramref name="count"/> longest waits, longest first (ties by request id).</summary>
    public static IReadOnlyList<SimOutcome> Longest(IReadOnlyList<SimOutcome> outcomes, int count) =>
        outcomes.OrderByDescending(o => o.Wait).ThenBy(o => o.Job.Request.Id, StringComparer.Ordinal).Take(count).ToList();

    public static TimeSpan P95(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? TimeSpan.Zero : sorted[(int)Math.Ceiling(0.95 * sorted.Count) - 1];
    }
}
