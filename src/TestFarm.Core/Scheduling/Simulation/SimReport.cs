namespace TestFarm.Core.Scheduling.Simulation;

/// <summary>Figures of one simulated run.</summary>
public sealed record SimReport(string Policy, TimeSpan Makespan, TimeSpan LowerBound, double Utilization, TimeSpan PrWaitP95, TimeSpan PrTurnaroundP95,
    TimeSpan NightlyWaitP95, TimeSpan ReleaseWaitMax, TimeSpan MaxWait, int Jobs)
{
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
            outcomes.Max(o => o.Wait), outcomes.Count);
    }

    /// <summary>
    /// No schedule can finish before every job's arrival + its own duration, nor before each profile's total
    /// machine-time divided by its machines (counted from that profile's first arrival).
    /// </summary>
    public static TimeSpan ComputeLowerBound(SimTrace trace)
    {
        var lb = trace.Jobs.Max(j => j.Request.SubmittedAt + j.ActualDuration) - trace.Start;
        foreach (var g in trace.Jobs.GroupBy(j => j.Request.Profile))
        {
            var machines = trace.Machines.Count(m => m.Profile == g.Key);
            var work = g.Sum(j => j.ActualDuration.TotalHours * j.Request.MachineCount) / machines;
            var first = g.Min(j => j.Request.SubmittedAt) - trace.Start;
            lb = TimeSpan.FromHours(Math.Max(lb.TotalHours, first.TotalHours + work));
        }
        return lb;
    }

    public static TimeSpan P95(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? TimeSpan.Zero : sorted[(int)Math.Ceiling(0.95 * sorted.Count) - 1];
    }
}
