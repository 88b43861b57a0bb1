using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;

namespace TestFarm.Lab.Tests.LabHost;

/// <summary>The bench's claim as a test: 1,000 simulated machines in one process, all power-cycled concurrently over HTTP.</summary>
public sealed class ThousandMachinesTests
{
    [Test]
    public async Task A_thousand_simulated_machines_power_cycle_concurrently_without_a_failure()
    {
        await using var lab = await VirtualLab.StartAsync(
            new LabOptions { SimulatedMachines = 1000, Password = "lab-secret", DefaultTimings = SimulatedTimings.Instant }, [], TimeProvider.System);
        Assert.That(lab.Machines, Has.Count.EqualTo(1000));
        Assert.That(lab.Machines.Select(m => m.ProvisioningMac).Distinct().Count(), Is.EqualTo(1000), "every machine has its own MAC");

        var result = await PowerCycleBench.RunAsync(lab, concurrency: 32);

        Assert.That(result.Requests, Is.EqualTo(3000));
        Assert.That(result.Failures, Is.Zero);
        Assert.That(result.AllOn, Is.True);
        TestContext.Out.WriteLine($"{result.Requests} requests in {result.Elapsed.TotalSeconds:F2} s = {result.RequestsPerSecond:F0}/s");
    }
}
