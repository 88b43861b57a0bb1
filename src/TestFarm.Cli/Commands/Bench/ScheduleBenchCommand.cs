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
        var command = new Command("schedule", "Simulate a week of load: farm policy vs FIFO first-fit.") { machines, profiles, days, seed };
        command.SetAction(parse => Run(parse.GetValue(machines), parse.GetValue(profiles), parse.GetValue(days), parse.GetValue(seed)));
        return command;
    }

    private static int Run(int machines, int profiles, int days, int seed)
    {
        if (machines < profiles * 8 || profiles < 1 || days < 1)
        {
            Console.Error.WriteLine($"--machines must be at least 8 per profile ({profiles * 8}), was {machines}; --profiles and --days at least 1");
            return ExitCodes.Usage;
        }
        var trace = SimTraceGenerator.Generate(machines, profiles, days, seed);
        var chooser = new GangChooser(trace.Profiles);
        var farm = SimReport.From("farm", trace, SimEngine.Run(trace, new FarmSimPolicy(new FarmScheduler(chooser, new PolicyOptions(), new HistoryDurationEstimator(TimeSpan.FromHours(2))))));
        var fifo = SimReport.From("fifo", trace, SimEngine.Run(trace, new FifoFirstFitPolicy(chooser)));
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"trace: {trace.Jobs.Count} requests ({trace.Jobs.Count(j => j.Kind == "pr")} pr, {trace.Jobs.Count(j => j.Kind == "nightly")} nightly, {trace.Jobs.Count(j => j.Kind == "release")} release) on {machines} machines, {profiles} profiles, {days} days, seed {seed}"));
        Console.WriteLine($"{"policy",-7}{"makespan-h",12}{"lower-bound-h",15}{"util",7}{"pr-wait-p95-h",15}{"pr-turn-p95-h",15}{"nightly-wait-p95-h",20}{"release-wait-max-h",20}{"max-wait-h",12}");
        foreach (var r in new[] { farm, fifo })
        {
            Console.WriteLine(string.Create(inv,
                $"{r.Policy,-7}{r.Makespan.TotalHours,12:F2}{r.LowerBound.TotalHours,15:F2}{r.Utilization,7:F2}{r.PrWaitP95.TotalHours,15:F2}{r.PrTurnaroundP95.TotalHours,15:F2}{r.NightlyWaitP95.TotalHours,20:F2}{r.ReleaseWaitMax.TotalHours,20:F2}{r.MaxWait.TotalHours,12:F2}"));
        }
        var prRatio = fifo.PrWaitP95 == TimeSpan.Zero ? (farm.PrWaitP95 == TimeSpan.Zero ? 1.0 : double.PositiveInfinity) : farm.PrWaitP95 / fifo.PrWaitP95;
        var ratio = farm.Makespan / farm.LowerBound;
        Console.WriteLine(string.Create(inv,
            $"makespan/lower-bound={ratio:F2} pr-p95 farm/fifo={prRatio:F2} utilization={farm.Utilization:F2} max-wait-hours={farm.MaxWait.TotalHours:F1}"));
        return ratio <= 1.10 && prRatio <= 0.5 ? ExitCodes.Success : ExitCodes.TargetMissed;
    }
}
