using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>
/// <c>testfarm bench lab --machines 1000</c>: starts N simulated machines in this process and
/// power-cycles all of them concurrently over HTTP through their virtual BMCs (ForceOff, On, read
/// back), then prints requests/s and the peak working set.
/// </summary>
public sealed class LabBenchCommand(TimeProvider time) : ICliCommand
{
    private static readonly string[] ResetSequence = ["ForceOff", "On"];

    public string Path => "bench lab";

    private readonly Option<int> _machines = new("--machines") { Description = "Simulated machines", DefaultValueFactory = _ => 1000 };
    private readonly Option<int> _concurrency = new("--concurrency") { Description = "Requests in flight", DefaultValueFactory = _ => 64 };

    public Command Build()
    {
        var command = new Command("lab", "Power-cycle N simulated lab machines concurrently over Redfish; print requests/s and peak memory.");
        command.Options.Add(_machines);
        command.Options.Add(_concurrency);
        command.SetAction(RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var count = parse.GetValue(_machines);
        var concurrency = Math.Max(1, parse.GetValue(_concurrency));
        if (count < 1) { await Console.Error.WriteLineAsync("bench lab: --machines must be at least 1").ConfigureAwait(false); return ExitCodes.Usage; }
        const string password = "bench-only";
        var startClock = Stopwatch.StartNew();
        await using var lab = await VirtualLab.StartAsync(
            new LabOptions { SimulatedMachines = count, Password = password, DefaultTimings = SimulatedTimings.Instant }, [], time,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var startup = startClock.Elapsed;

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency };
        using var http = new HttpClient(handler) { BaseAddress = lab.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + password)));

        foreach (var m in lab.Machines) await m.Backend.PowerOnAsync(BootRequest.Disk, cancellationToken).ConfigureAwait(false);
        var requests = 0L;
        var failures = 0L;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(lab.Machines, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (m, ct) =>
        {
            var sys = $"{m.RootPath}/Systems/1";
            foreach (var reset in ResetSequence)
            {
                using var content = new StringContent($"{{\"ResetType\":\"{reset}\"}}", Encoding.UTF8, "application/json");
                using var response = await http.PostAsync($"{sys}/Actions/ComputerSystem.Reset", content, ct).ConfigureAwait(false);
                Interlocked.Increment(ref requests);
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref failures);
            }
            using var get = await http.GetAsync(sys, ct).ConfigureAwait(false);
            Interlocked.Increment(ref requests);
            var body = await get.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!get.IsSuccessStatusCode || !body.Contains("\"PowerState\":\"On\"", StringComparison.Ordinal)) Interlocked.Increment(ref failures);
        }).ConfigureAwait(false);
        var elapsed = clock.Elapsed;
        var allOn = lab.Machines.All(m => m.Backend.PowerState == MachinePowerState.On);

        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"machines: {count}, started in {startup.TotalSeconds:F2} s"));
        Console.WriteLine(string.Create(inv, $"power-cycle of all (ForceOff, On, GET): {requests} requests in {elapsed.TotalSeconds:F2} s = {requests / elapsed.TotalSeconds:F0} requests/s, concurrency {concurrency}"));
        Console.WriteLine(string.Create(inv, $"failures: {failures}; all machines On afterwards: {allOn}"));
        Console.WriteLine(string.Create(inv, $"peak working set: {self.PeakWorkingSet64 / (1024.0 * 1024):F0} MiB; GC heap now: {GC.GetTotalMemory(false) / (1024.0 * 1024):F0} MiB"));
        return failures == 0 && allOn ? ExitCodes.Success : ExitCodes.TargetMissed;
    }
}
