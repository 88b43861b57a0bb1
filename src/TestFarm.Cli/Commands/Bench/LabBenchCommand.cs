using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>
/// <c>testfarm bench lab --machines 1000</c>: starts N simulated machines in this process and
/// power-cycles all of them concurrently over HTTP through their virtual BMCs, each on its own loopback
/// address (ForceOff, On, read back), then prints requests/s and the peak working set.
/// </summary>
public sealed class LabBenchCommand(TimeProvider time) : ICliCommand
{
    public string Path => "bench lab";

    private readonly Option<int> _machines = new("--machines") { Description = "Simulated machines", DefaultValueFactory = _ => 1000 };
    private readonly Option<string> _bmcNetwork = new("--bmc-network") { Description = "Loopback range of the BMCs' addresses (a /22 holds 1,022)", DefaultValueFactory = _ => BmcNetwork.Default };
    private readonly Option<int> _concurrency = new("--concurrency") { Description = "Requests in flight", DefaultValueFactory = _ => 64 };

    public Command Build()
    {
        var command = new Command("lab", "Power-cycle N simulated lab machines concurrently over Redfish; print requests/s and peak memory.");
        command.Options.Add(_machines);
        command.Options.Add(_concurrency);
        command.Options.Add(_bmcNetwork);
        command.SetAction(RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var count = parse.GetValue(_machines);
        var concurrency = Math.Max(1, parse.GetValue(_concurrency));
        if (count is < 1 or > 65535)
        {
            await Console.Error.WriteLineAsync($"bench lab: --machines must be within 1..65535, was {count}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        var options = new LabOptions { SimulatedMachines = count, Password = "bench-only", DefaultTimings = SimulatedTimings.Instant, BmcNetwork = parse.GetValue(_bmcNetwork)! };
        if (options.Validate() is { Count: > 0 } errors)
        {
            foreach (var e in errors) await Console.Error.WriteLineAsync($"bench lab: {e}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        var startClock = Stopwatch.StartNew();
        await using var lab = await VirtualLab.StartAsync(options, [], time, cancellationToken: cancellationToken).ConfigureAwait(false);
        var startup = startClock.Elapsed;
        foreach (var m in lab.Machines) await m.Backend.PowerOnAsync(BootRequest.Disk, cancellationToken).ConfigureAwait(false);

        var result = await PowerCycleBench.RunAsync(lab, concurrency, cancellationToken).ConfigureAwait(false);

        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"machines: {count}, started in {startup.TotalSeconds:F2} s"));
        Console.WriteLine(string.Create(inv, $"power-cycle of all (ForceOff, On, GET): {result.Requests} requests in {result.Elapsed.TotalSeconds:F2} s = {result.RequestsPerSecond:F0} requests/s, concurrency {concurrency}"));
        Console.WriteLine(string.Create(inv, $"failures: {result.Failures}; all machines On afterwards: {result.AllOn}"));
        Console.WriteLine(string.Create(inv, $"peak working set: {self.PeakWorkingSet64 / (1024.0 * 1024):F0} MiB; GC heap now: {GC.GetTotalMemory(false) / (1024.0 * 1024):F0} MiB"));
        return result.Failures == 0 && result.AllOn ? ExitCodes.Success : ExitCodes.TargetMissed;
    }
}
