using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using TestFarm.Lab.Bmc;

namespace TestFarm.Lab.LabHost;

/// <summary>What one power-cycle run over a whole lab measured.</summary>
public sealed record PowerCycleResult(int Machines, long Requests, long Failures, TimeSpan Elapsed, bool AllOn)
{
    public double RequestsPerSecond => Requests / Math.Max(Elapsed.TotalSeconds, 1e-6);
}

/// <summary>
/// Power-cycles every machine of a lab concurrently over real HTTP through its virtual BMC, each on its own address:
/// ForceOff, On, then a GET that must read PowerState On (instant timings assumed).
/// </summary>
public static class PowerCycleBench
{
    private static readonly string[] ResetSequence = ["ForceOff", "On"];

    public static async Task<PowerCycleResult> RunAsync(VirtualLab lab, int concurrency, CancellationToken cancellationToken = default)
    {
        // Each machine's BMC has its own address and at most `concurrency` calls are in flight: the factory's pooled
        // handler (unbounded connections per server) serves the bench as its own sized handler did.
        using var http = LabHttp.Create(TimeSpan.FromSeconds(60));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{lab.Options.User}:{lab.Options.Password}")));
        var requests = 0L;
        var failures = 0L;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(lab.Machines, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (m, ct) =>
        {
            var sys = new Uri(m.Url, $"{VirtualBmc.RootPath}/Systems/1");
            var resetAction = new Uri(m.Url, $"{VirtualBmc.RootPath}/Systems/1/Actions/ComputerSystem.Reset");
            foreach (var reset in ResetSequence)
            {
                using var content = new StringContent($"{{\"ResetType\":\"{reset}\"}}", Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(resetAction, content, ct).ConfigureAwait(false);
                Interlocked.Increment(ref requests);
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref failures);
            }
            using var get = await http.GetAsync(sys, ct).ConfigureAwait(false);
            Interlocked.Increment(ref requests);
            var body = await get.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!get.IsSuccessStatusCode || !body.Contains("\"PowerState\":\"On\"", StringComparison.Ordinal)) Interlocked.Increment(ref failures);
        }).ConfigureAwait(false);
        var allOn = lab.Machines.All(m => m.Backend.PowerState == Machines.MachinePowerState.On);
        return new PowerCycleResult(lab.Machines.Count, requests, failures, clock.Elapsed, allOn);
    }
}
