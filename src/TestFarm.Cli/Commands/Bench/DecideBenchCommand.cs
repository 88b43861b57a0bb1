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
        var queue = Enumerable.Range(0, queued).Select(i => new ReservationRequest
        {
            Id = $"q{i:D5}", Plan = "p", Profile = $"p{rng.Next(profiles)}", Priority = (PriorityClass)rng.Next(4), Repository = $"repo-{rng.Next(6)}",
            SubmittedAt = now - TimeSpan.FromMinutes(rng.Next(600)), EstimatedDuration = TimeSpan.FromMinutes(30 + rng.Next(300)),
            Topology = new Topology { Name = "t", SameL2Domain = rng.Next(4) == 0, Roles = [new TopologyRole { Name = "node", Count = 1 + rng.Next(machines / profiles / 2) }] },
        }).ToList();
        // Nightly requests want their results by a deadline 0-14 h away, as a nightly plan's cells do.
        queue = queue.Select(r => r.Priority == PriorityClass.Nightly ? r with { Deadline = now + TimeSpan.FromMinutes(rng.Next(14 * 60)) } : r).ToList();
        var scheduler = new FarmScheduler(new GangChooser(trace.Profiles), new PolicyOptions(), new HistoryDurationEstimator(TimeSpan.FromHours(2)));
        var input = new SchedulerInput { Machines = machineList, Queue = queue, Running = running, Now = now };
        for (var i = 0; i < 5; i++) scheduler.Decide(input);
        var times = new List<double>(rounds);
        var started = 0;
        // Process CPU time per decision besides the wall times: on a shared machine a decision's wall time includes waiting for a core.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var collections = GC.CollectionCount(2);
        for (var i = 0; i < rounds; i++)
        {
            var sw = Stopwatch.StartNew();
            var d = scheduler.Decide(input);
            times.Add(sw.Elapsed.TotalMilliseconds);
            started = d.Start.Count;
        }
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / rounds;
        var allocatedKiB = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0 / rounds;
        collections = GC.CollectionCount(2) - collections;
        times.Sort();
        double P(double q) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(q * times.Count) - 1)];
        var p99 = P(0.99);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"machines={machineList.Count} held={held.Count} queued={queued} (with deadline {queue.Count(r => r.Deadline is not null)}) rounds={rounds} started-per-decision={started}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"decide p50={P(0.5):F2}ms p99={p99:F2}ms max={times[^1]:F2}ms target-p99<=10ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"per decision: cpu={cpuMs:F2}ms (process, all threads) allocated={allocatedKiB:F0}KiB; full collections during the rounds: {collections}"));
        return p99 <= 10 ? ExitCodes.Success : ExitCodes.TargetMissed;
    }
}
