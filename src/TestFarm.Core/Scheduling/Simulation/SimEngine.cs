using TestFarm.Core.Machines;

namespace TestFarm.Core.Scheduling.Simulation;

/// <summary>How one request fared in a simulation.</summary>
public sealed record SimOutcome(SimJob Job, DateTimeOffset Start, DateTimeOffset End)
{
    public TimeSpan Wait => Start - Job.Request.SubmittedAt;

    /// <summary>Every machine of the gang booted the build by kexec from its resident agent (no reimage POST).</summary>
    public bool FastTracked { get; init; }
}

/// <summary>A placement policy for the simulator.</summary>
public interface ISimPolicy
{
    string Name { get; }
    IReadOnlyList<(ReservationRequest Request, IReadOnlyList<string> Machines)> Decide(SchedulerInput input);
}

/// <summary>The farm's policy (<see cref="FarmScheduler"/>).</summary>
public sealed class FarmSimPolicy(FarmScheduler scheduler) : ISimPolicy
{
    public string Name => "farm";
    public IReadOnlyList<(ReservationRequest, IReadOnlyList<string>)> Decide(SchedulerInput input) =>
        scheduler.Decide(input).Start.Select(p => (p.Request, p.Choice.MachineIds)).ToList();
}

/// <summary>FIFO first-fit (the Boskos/LAVA behaviour): in arrival order, start whatever fits now.</summary>
public sealed class FifoFirstFitPolicy(GangChooser chooser) : ISimPolicy
{
    public string Name => "fifo";
    public IReadOnlyList<(ReservationRequest, IReadOnlyList<string>)> Decide(SchedulerInput input)
    {
        var free = new FreePool(input.Machines.Where(m => m.State == MachineState.Available));
        var start = new List<(ReservationRequest, IReadOnlyList<string>)>();
        foreach (var r in input.Queue.OrderBy(r => r.SubmittedAt).ThenBy(r => r.Id, StringComparer.Ordinal))
        {
            var c = free.Choose(chooser, r, exclude: null);
            if (c is null) continue;
            free.Take(c);
            start.Add((r, c.MachineIds));
        }
        return start;
    }
}

/// <summary>
/// Discrete-event simulation in virtual time: arrivals, completions and health-check failures are the only events.
/// A failing machine is quarantined at once when free, or when its hold ends. A cell holds its machines for its full-path
/// duration, less the reimage POST when it is fast-tracked (<see cref="SimBootPaths"/>); the policy is told the estimate
/// less that same POST for a fast-tracked hold, as the farm knows the path it granted.
/// </summary>
public static class SimEngine
{
    public static IReadOnlyList<SimOutcome> Run(SimTrace trace, ISimPolicy policy)
    {
        var pending = new Queue<SimJob>(trace.Jobs);
        var queue = new Dictionary<string, SimJob>(StringComparer.Ordinal);
        var running = new List<(SimJob Job, IReadOnlyList<string> Machines, DateTimeOffset Start, DateTimeOffset End, bool Fast)>();
        var paths = new SimBootPaths(trace);
        var busy = new HashSet<string>(StringComparer.Ordinal);
        var outcomes = new List<SimOutcome>();
        var failures = new Queue<(DateTimeOffset At, string Machine)>(trace.Failures.OrderBy(f => f.At));
        var failing = new HashSet<string>(StringComparer.Ordinal);
        var quarantined = new HashSet<string>(StringComparer.Ordinal);
        var now = trace.Start;
        while (pending.Count > 0 || queue.Count > 0 || running.Count > 0)
        {
            while (failures.Count > 0 && failures.Peek().At <= now) failing.Add(failures.Dequeue().Machine);
            foreach (var done in running.Where(r => r.End <= now).ToList())
            {
                running.Remove(done);
                busy.ExceptWith(done.Machines);
                paths.Cleaned(done.Job, done.Machines);
                outcomes.Add(new SimOutcome(done.Job, done.Start, done.End) { FastTracked = done.Fast });
            }
            foreach (var id in failing.Where(id => !busy.Contains(id)).ToList())
            {
                failing.Remove(id);
                quarantined.Add(id);
                paths.Failed(id);
            }
            while (pending.Count > 0 && pending.Peek().Request.SubmittedAt <= now)
            {
                var j = pending.Dequeue();
                queue[j.Request.Id] = j;
            }
            if (queue.Count > 0)
            {
                var input = new SchedulerInput
                {
                    Machines = trace.Machines.Select(m => busy.Contains(m.Id) ? m with { State = MachineState.InUse }
                        : quarantined.Contains(m.Id) ? m with { State = MachineState.Quarantined } : m).ToList(),
                    Queue = queue.Values.Select(j => j.Request).ToList(),
                    Running = running.Select(r => new RunningHold(r.Job.Request.Id, r.Job.Request.Repository, r.Machines,
                        r.Start + (r.Job.Request.EstimatedDuration ?? r.Job.ActualDuration) - (r.Fast ? trace.FastTrackSaving(r.Job) : TimeSpan.Zero))
                        { Priority = r.Job.Request.Priority }).ToList(),
                    Now = now,
                };
                foreach (var (request, machines) in policy.Decide(input))
                {
                    var job = queue[request.Id];
                    queue.Remove(request.Id);
                    busy.UnionWith(machines);
                    var fast = paths.FastTracks(job, machines);
                    running.Add((job, machines, now, now + trace.Duration(job, fast), fast));
                }
            }
            var next = DateTimeOffset.MaxValue;
            if (pending.Count > 0) next = pending.Peek().Request.SubmittedAt;
            if (running.Count > 0) next = Min(next, running.Min(r => r.End));
            if (failures.Count > 0 && next != DateTimeOffset.MaxValue) next = Min(next, failures.Peek().At);
            if (next == DateTimeOffset.MaxValue) break;
            now = next;
        }
        if (queue.Count > 0) throw new InvalidOperationException($"{policy.Name}: {queue.Count} requests could never start");
        return outcomes;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
