using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using TestFarm.Core.Scheduling.Simulation;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>
/// <c>testfarm bench decide</c>: p50/p99 wall time of one scheduling decision on a large farm; with <c>--history N</c>, of one
/// scheduling round through the store (SQLite, or PostgreSQL with <c>--db postgres</c>) with no and with N ended requests
/// in the history (see <see cref="RoundBench"/>).
/// </summary>
public sealed class DecideBenchCommand(TimeProvider time) : ICliCommand
{
    public string Path => "bench decide";

    public Command Build()
    {
        var machines = new Option<int?>("--machines") { Description = "Machines in the pool (default 10,000; 1,000 with --history)." };
        var queued = new Option<int?>("--queued") { Description = "Requests waiting (default 1,000; 100 with --history)." };
        var rounds = new Option<int>("--rounds") { DefaultValueFactory = _ => 200, Description = "Decisions (or rounds) timed." };
        var history = new Option<int?>("--history") { Description = "Time rounds through the store, with none and with this many ended requests in its history." };
        var db = new Option<string>("--db") { DefaultValueFactory = _ => "sqlite", Description = "With --history: sqlite or postgres (TESTFARM_POSTGRES)." };
        var command = new Command("decide", "Time one scheduling decision (or, with --history, one round through the store): p50/p99.") { machines, queued, rounds, history, db };
        command.SetAction((parse, ct) => parse.GetValue(history) is { } h
            ? new RoundBench(time).RunAsync(new RoundBench.Settings(parse.GetValue(db)!, parse.GetValue(machines) ?? 1_000, parse.GetValue(queued) ?? 100, parse.GetValue(rounds), h), ct)
            : Task.FromResult(Run(parse.GetValue(machines) ?? 10_000, parse.GetValue(queued) ?? 1_000, parse.GetValue(rounds))));
        return command;
    }

    /// <summary>
    /// The broker's rounds on a large farm: between two decisions the farm's events (grants claimed, new requests, holds
    /// ending, machines cleaned, a health change, 30 s passing; see <see cref="DecideFarm"/>) go to the scheduler's state,
    /// and each decision is timed on it. The same rounds are also decided as the broker does over a store (the state synced
    /// with a fresh snapshot) and from the snapshot alone (as before the state was kept); all three must agree.
    /// </summary>
    private static int Run(int machines, int queued, int rounds)
    {
        const int profiles = 16;
        var rng = new Random(7);
        var trace = SimTraceGenerator.Generate(Math.Max(machines, profiles * 8), profiles, 1, 7);
        var now = SimTraceGenerator.Monday.AddHours(10);
        // About 70% of the pool is held by running requests of 1-8 machines.
        var pool = trace.Machines.ToList();
        var running = new List<RunningHold>();
        for (var i = 0; i < pool.Count * 7 / 10;)
        {
            var n = Math.Min(1 + rng.Next(8), pool.Count * 7 / 10 - i);
            var ids = pool.Skip(i).Take(n).Select(m => m.Id).ToList();
            running.Add(new RunningHold($"run-{i}", $"repo-{rng.Next(6)}", ids, now + TimeSpan.FromMinutes(10 + rng.Next(600))) { Priority = (PriorityClass)rng.Next(4) });
            i += n;
        }
        var held = running.SelectMany(h => h.Machines).ToHashSet(StringComparer.Ordinal);
        var machineList = pool.Select(m => held.Contains(m.Id) ? m with { State = MachineState.InUse } : m).ToList();
        ReservationRequest Request(int i)
        {
            var r = new ReservationRequest
            {
                Id = $"q{i:D5}", Plan = "p", Profile = $"p{rng.Next(profiles)}", Priority = (PriorityClass)rng.Next(4), Repository = $"repo-{rng.Next(6)}",
                SubmittedAt = now - TimeSpan.FromMinutes(rng.Next(600)), EstimatedDuration = TimeSpan.FromMinutes(30 + rng.Next(300)),
                Topology = new Topology { Name = "t", SameL2Domain = rng.Next(4) == 0, Roles = [new TopologyRole { Name = "node", Count = 1 + rng.Next(machines / profiles / 2) }] },
            };
            // Nightly requests want their results by a deadline 0-14 h away, as a nightly plan's cells do.
            return r.Priority == PriorityClass.Nightly ? r with { Deadline = now + TimeSpan.FromMinutes(rng.Next(14 * 60)) } : r;
        }
        var queue = Enumerable.Range(0, queued).Select(Request).ToList();
        var scheduler = new FarmScheduler(new GangChooser(trace.Profiles), new PolicyOptions(), new HistoryDurationEstimator(TimeSpan.FromHours(2)));
        var input = new SchedulerInput { Machines = machineList, Queue = queue, Running = running, Now = now };
        var state = SchedulerState.From(input);
        var synced = SchedulerState.From(input);
        var farm = new DecideFarm(state, Request, rng);
        farm.Load(input, queued);
        var warmUp = 5;
        var (wall, cpu, alloc) = (new List<double>(rounds), new List<double>(rounds), 0L);
        var (eventsCpu, syncCpu, syncAlloc, snapshotCpu, snapshotAlloc, disagreements, started) = (0.0, 0.0, 0L, 0.0, 0L, 0, 0);
        var (collections, compared, timedCompared) = (0, 0, 0);
        var eventsBefore = 0L;
        for (var i = 0; i < rounds + warmUp; i++)
        {
            if (i == warmUp) (collections, eventsBefore) = (GC.CollectionCount(2), farm.Events);
            var (c0, a0, sw) = (ThreadCpu.Now(), GC.GetAllocatedBytesForCurrentThread(), Stopwatch.StartNew());
            var decision = scheduler.Decide(state);
            var (ms, c1, a1) = (sw.Elapsed.TotalMilliseconds, ThreadCpu.Now(), GC.GetAllocatedBytesForCurrentThread());
            var compare = i % CompareEvery == 0;
            if (compare)
            {
                // The broker's path over a store: a fresh snapshot, the state synced with it; and the snapshot alone, as before.
                var snapshot = farm.Snapshot();
                var (c2, a2) = (ThreadCpu.Now(), GC.GetAllocatedBytesForCurrentThread());
                synced.Sync(snapshot);
                var viaSync = scheduler.Decide(synced);
                var (c3, a3) = (ThreadCpu.Now(), GC.GetAllocatedBytesForCurrentThread());
                var fromSnapshot = scheduler.Decide(snapshot);
                var (c4, a4) = (ThreadCpu.Now(), GC.GetAllocatedBytesForCurrentThread());
                if (!Same(decision, viaSync) || !Same(decision, fromSnapshot)) disagreements++;
                compared++;
                if (i >= warmUp)
                {
                    (syncCpu, syncAlloc, snapshotCpu, snapshotAlloc) = (syncCpu + Ms(c2, c3), syncAlloc + a3 - a2, snapshotCpu + Ms(c3, c4), snapshotAlloc + a4 - a3);
                    timedCompared++;
                }
            }
            var c5 = ThreadCpu.Now();
            farm.Between(decision);
            var c6 = ThreadCpu.Now();
            // The comparisons' garbage (whole snapshots) is not the decisions': collected here, outside the timed decisions.
            if (compare) GC.Collect();
            if (i < warmUp) continue;
            wall.Add(ms);
            cpu.Add(Ms(c0, c1));
            alloc += a1 - a0;
            eventsCpu += Ms(c5, c6);
            started += decision.Start.Count;
        }
        collections = GC.CollectionCount(2) - collections;
        var inv = CultureInfo.InvariantCulture;
        var p99 = P(wall, 0.99);
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        Console.WriteLine(string.Create(inv,
            $"machines={machineList.Count} held-at-start={held.Count} queued={queued} (with deadline {queue.Count(r => r.Deadline is not null)}) rounds={rounds} started-per-decision={(double)started / rounds:F1} load={load}"));
        Console.WriteLine(string.Create(inv,
            $"between decisions: {(double)(farm.Events - eventsBefore) / rounds:F1} events (grants claimed, requests, holds ended, machines cleaned, a health change, {DecideFarm.Step.TotalSeconds:F0}s), applied in cpu={eventsCpu / rounds:F3}ms"));
        Console.WriteLine(string.Create(inv, $"decide p50={P(wall, 0.5):F2}ms p99={p99:F2}ms max={wall.Max():F2}ms target-p99<=10ms (on the state kept between decisions)"));
        Console.WriteLine(string.Create(inv,
            $"per decision: cpu p50={P(cpu, 0.5):F3}ms p99={P(cpu, 0.99):F3}ms mean={cpu.Average():F3}ms (thread) allocated={alloc / 1024.0 / rounds:F1}KiB; full collections during the rounds (one forced after each comparison): {collections}"));
        Console.WriteLine(string.Create(inv,
            $"every {CompareEvery}th round also: the broker's path (state synced with a fresh snapshot, then decide) cpu={syncCpu / timedCompared:F3}ms allocated={syncAlloc / 1024.0 / timedCompared:F1}KiB; from the snapshot alone (as before) cpu={snapshotCpu / timedCompared:F3}ms allocated={snapshotAlloc / 1024.0 / timedCompared:F0}KiB"));
        Console.WriteLine($"decisions that differ between the three paths: {disagreements} of {compared} compared");
        return p99 <= 10 && disagreements == 0 ? ExitCodes.Success : ExitCodes.TargetMissed;
    }

    /// <summary>Rounds between two comparisons with the synced and the from-snapshot paths.</summary>
    private const int CompareEvery = 10;

    private static double Ms(TimeSpan? from, TimeSpan? to) => from is { } a && to is { } b ? (b - a).TotalMilliseconds : double.NaN;

    private static double P(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
    }

    private static bool Same(SchedulingDecision a, SchedulingDecision b) =>
        a.Start.Count == b.Start.Count
        && a.Start.Zip(b.Start).All(x => x.First.Request.Id == x.Second.Request.Id && x.First.Backfilled == x.Second.Backfilled
            && x.First.Choice.Assignments.SequenceEqual(x.Second.Choice.Assignments))
        && a.Reservation?.RequestId == b.Reservation?.RequestId && a.Reservation?.Start == b.Reservation?.Start
        && (a.Reservation?.Machines ?? []).SequenceEqual(b.Reservation?.Machines ?? []) && a.Order.SequenceEqual(b.Order);
}
