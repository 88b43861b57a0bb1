using System.CommandLine;
using System.Globalization;
using TestFarm.Core.Scheduling;
using TestFarm.Core.Scheduling.Simulation;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>
/// <c>testfarm bench schedule</c>: a week of load simulated in virtual time, through the farm policy and through
/// FIFO first-fit on the same trace. Prints a table and one summary line.
/// </summary>
public sealed class ScheduleBenchCommand : ICliCommand
{
    public string Path => "bench schedule";

    public Command Build()
    {
        var machines = new Option<int>("--machines") { DefaultValueFactory = _ => 200, Description = "Machines in the simulated pool." };
        var profiles = new Option<int>("--profiles") { DefaultValueFactory = _ => 8, Description = "Hardware profiles." };
        var days = new Option<int>("--days") { DefaultValueFactory = _ => 7, Description = "Days of load." };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1, Description = "Seed of the trace." };
        var nightlyAt = new Option<string>("--nightly-at") { DefaultValueFactory = _ => "20:00", Description = "Time of day the nightly is triggered (HH:MM)." };
        var deadline = new Option<string>("--nightly-deadline") { DefaultValueFactory = _ => "08:00", Description = "Time of day the nightly's results are wanted (HH:MM), or 'none'." };
        var failing = new Option<double>("--failing") { DefaultValueFactory = _ => 0, Description = "Share of machines failing a health check mid-week (0..0.5)." };
        var heavy = new Option<bool>("--heavy") { Description = "The heavier week: 2,000 machines, 30 profiles, the same load per machine, 5% of machines failing health checks mid-week." };
        var headroom = new Option<double>("--headroom") { DefaultValueFactory = _ => new PolicyOptions().Headroom, Description = "Policy: off-peak headroom kept for pull requests." };
        var deadlineWeight = new Option<double>("--deadline-weight") { DefaultValueFactory = _ => new PolicyOptions().DeadlineWeight, Description = "Policy: score of a request at its deadline." };
        var fullPath = new Option<bool>("--full-path") { Description = "Charge every cell the full reimage path (no fast track onto machines a trusted cell left in their agent)." };
        var worst = new Option<int>("--worst") { DefaultValueFactory = _ => 5, Description = "Longest waits of the farm policy to list (class, profile, size, times)." };
        var command = new Command("schedule", "Simulate a week of load: farm policy vs FIFO first-fit.") { machines, profiles, days, seed, nightlyAt, deadline, failing, heavy, headroom, deadlineWeight, fullPath, worst };
        command.SetAction(parse =>
        {
            var isHeavy = parse.GetValue(heavy);
            return Run(isHeavy ? 2000 : parse.GetValue(machines), isHeavy ? 30 : parse.GetValue(profiles), parse.GetValue(days), parse.GetValue(seed),
                parse.GetValue(nightlyAt)!, parse.GetValue(deadline)!, parse.GetValue(failing), isHeavy, !parse.GetValue(fullPath),
                new PolicyOptions { Headroom = parse.GetValue(headroom), DeadlineWeight = parse.GetValue(deadlineWeight) }, parse.GetValue(worst));
        });
        return command;
    }

    private static int Run(int machines, int profiles, int days, int seed, string nightlyAt, string deadline, double failing, bool heavy, bool fastTrack, PolicyOptions policy, int worst)
    {
        if (worst is < 0 or > 1000)
        {
            Console.Error.WriteLine($"--worst must be between 0 and 1000, was {worst}");
            return ExitCodes.Usage;
        }
        if (machines < profiles * 8 || profiles < 1 || days < 1)
        {
            Console.Error.WriteLine($"--machines must be at least 8 per profile ({profiles * 8}), was {machines}; --profiles and --days at least 1");
            return ExitCodes.Usage;
        }
        var inv = CultureInfo.InvariantCulture;
        if (!TimeOnly.TryParseExact(nightlyAt, "HH:mm", inv, DateTimeStyles.None, out var at))
        {
            Console.Error.WriteLine($"--nightly-at must be a time like 20:00, was '{nightlyAt}'");
            return ExitCodes.Usage;
        }
        TimeOnly? due = null;
        if (deadline != "none")
        {
            if (!TimeOnly.TryParseExact(deadline, "HH:mm", inv, DateTimeStyles.None, out var d))
            {
                Console.Error.WriteLine($"--nightly-deadline must be a time like 08:00 or 'none', was '{deadline}'");
                return ExitCodes.Usage;
            }
            due = d;
        }
        if (policy.Problems() is { Count: > 0 } problems)
        {
            Console.Error.WriteLine("policy: " + string.Join("; ", problems));
            return ExitCodes.Usage;
        }
        if (failing is < 0 or > 0.5)
        {
            Console.Error.WriteLine($"--failing must be between 0 and 0.5, was {failing.ToString(inv)}");
            return ExitCodes.Usage;
        }
        var load = new SimLoad { NightlyAt = at.ToTimeSpan(), NightlyDeadline = due, FailingShare = failing, FastTrack = fastTrack };
        if (heavy) load = SimLoad.Heavy(load);
        var trace = SimTraceGenerator.Generate(machines, profiles, days, seed, load);
        var chooser = new GangChooser(trace.Profiles);
        var farmOutcomes = SimEngine.Run(trace, new FarmSimPolicy(new FarmScheduler(chooser, policy, new HistoryDurationEstimator(TimeSpan.FromHours(2)))));
        var farm = SimReport.From("farm", trace, farmOutcomes);
        var fifo = SimReport.From("fifo", trace, SimEngine.Run(trace, new FifoFirstFitPolicy(chooser)));
        Console.WriteLine(string.Create(inv, $"trace: {trace.Jobs.Count} requests ({trace.Jobs.Count(j => j.Kind == "pr")} pr, {trace.Jobs.Count(j => j.Kind == "nightly")} nightly at {nightlyAt} due {deadline}, {trace.Jobs.Count(j => j.Kind == "release")} release) on {machines} machines ({trace.Failures.Count} failing mid-week), {profiles} profiles, {days} days, seed {seed}"));
        Console.WriteLine($"{"policy",-7}{"makespan-h",12}{"lower-bound-h",15}{"util",7}{"pr-wait-p95-h",15}{"pr-turn-p95-h",15}{"nightly-wait-p95-h",20}{"release-wait-max-h",20}{"max-wait-h",12}{"nightly-on-time",17}");
        foreach (var r in new[] { farm, fifo })
        {
            Console.WriteLine(string.Create(inv,
                $"{r.Policy,-7}{r.Makespan.TotalHours,12:F2}{r.LowerBound.TotalHours,15:F2}{r.Utilization,7:F2}{r.PrWaitP95.TotalHours,15:F2}{r.PrTurnaroundP95.TotalHours,15:F2}{r.NightlyWaitP95.TotalHours,20:F2}{r.ReleaseWaitMax.TotalHours,20:F2}{r.MaxWait.TotalHours,12:F2}{r.NightlyOnTime,17:F3}"));
        }
        Console.WriteLine(string.Create(inv,
            $"nightly: on-time ceiling {SimReport.NightlyOnTimeCeiling(trace):F2} (any policy); late cells by night farm [{SimReport.LateByNight(farmOutcomes)}] ({farm.NightlyLate})"));
        Console.WriteLine(string.Create(inv,
            $"boot paths: {(trace.FastTrack ? "fast track on" : "full path only")}; farm fast-tracked {farm.FastTrackedCells.FastTracked} of {farm.FastTrackedCells.Eligible} eligible cells (trusted build, profile allows: {FastTrackedByKind(farmOutcomes, trace)}), {PostSaved(farmOutcomes, trace):F1} machine-hours of POST saved"));
        PrintLongest(farmOutcomes, worst, trace);
        // With no pull request waiting under FIFO the ratio has no meaning: printed n/a, met only if the farm's is zero too.
        var prMet = farm.PrWaitP95 <= fifo.PrWaitP95 * 0.25;
        var prRatio = fifo.PrWaitP95 == TimeSpan.Zero ? "n/a" : (farm.PrWaitP95 / fifo.PrWaitP95).ToString("F2", inv);
        var ratio = farm.Makespan / farm.LowerBound;
        Console.WriteLine(string.Create(inv,
            $"makespan/lower-bound={ratio:F2} pr-p95 farm/fifo={prRatio} ({farm.PrWaitP95.TotalHours:F2}h/{fifo.PrWaitP95.TotalHours:F2}h) utilization={farm.Utilization:F2} max-wait-hours={farm.MaxWait.TotalHours:F1} nightly-on-time={Math.Floor(farm.NightlyOnTime * 100) / 100:F2}"));
        var met = ratio <= 1.10 && prMet && farm.MaxWait <= TimeSpan.FromHours(4) && farm.NightlyOnTime >= 1;
        return met ? ExitCodes.Success : ExitCodes.TargetMissed;
    }

    private static string FastTrackedByKind(IReadOnlyList<SimOutcome> outcomes, SimTrace trace) => string.Join(", ", outcomes
        .Where(o => trace.FastTrackSaving(o.Job) > TimeSpan.Zero).GroupBy(o => o.Job.Kind).OrderBy(g => g.Key, StringComparer.Ordinal)
        .Select(g => $"{g.Key} {g.Count(o => o.FastTracked)}/{g.Count()}"));

    private static double PostSaved(IReadOnlyList<SimOutcome> outcomes, SimTrace trace) =>
        outcomes.Where(o => o.FastTracked).Sum(o => trace.FastTrackSaving(o.Job).TotalHours * o.Job.Request.MachineCount);

    /// <summary>
    /// The farm's longest waits, each with its class, profile, gang size and what else of that profile was still held when
    /// it arrived, and the floor no policy gets under on this trace (<see cref="SimReport.MaxWaitFloor"/>).
    /// </summary>
    private static void PrintLongest(IReadOnlyList<SimOutcome> outcomes, int count, SimTrace trace)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var o in SimReport.Longest(outcomes, count))
        {
            var r = o.Job.Request;
            var pool = trace.Machines.Count(m => m.Profile == r.Profile);
            var busy = outcomes.Where(x => x.Job.Request.Profile == r.Profile && x.Start < r.SubmittedAt && x.End > r.SubmittedAt).ToList();
            var held = string.Join(", ", busy.GroupBy(x => x.Job.Kind).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key} {g.Sum(x => x.Job.Request.MachineCount)} until {g.Max(x => x.End):ddd HH:mm}"));
            var batch = outcomes.Where(x => x.Job.Request.Profile == r.Profile && x.Job.Request.SubmittedAt == r.SubmittedAt).ToList();
            Console.WriteLine(string.Create(inv,
                $"longest wait: {r.Id} {o.Job.Kind} {r.Profile} {r.MachineCount} machines: arrived {r.SubmittedAt:ddd HH:mm} started {o.Start:ddd HH:mm} (waited {o.Wait.TotalHours:F2}h, holds {(o.End - o.Start).TotalHours:F2}h{(o.FastTracked ? " fast-tracked" : "")}); {r.Profile} has {pool} machines, held at arrival: [{held}]; arrived with it: {batch.Count} cells, {batch.Sum(x => x.Job.Request.MachineCount * (x.End - x.Start).TotalHours):F0} machine-hours"));
        }
        var floor = SimReport.MaxWaitFloor(trace);
        Console.WriteLine(string.Create(inv,
            $"max-wait floor {floor.Floor.TotalHours:F2}h (any policy, durations known: set by {floor.Profile ?? "-"}'s requests arriving {floor.Arrival:ddd HH:mm})"));
    }
}
