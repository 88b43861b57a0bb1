using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TestFarm.Lab.Bmc;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;
using TestFarm.Testing;

namespace TestFarm.Lab.Tests.Qemu;

/// <summary>A QEMU lab machine told Pxe once and reset really network-boots through iPXE.</summary>
public sealed class QemuPxeBootTests
{
    [Test]
    public async Task Pxe_once_and_reset_boots_ipxe_which_fetches_the_boot_url_with_the_mac()
    {
        if (!QemuOptions.IsAvailable()) Assert.Ignore("qemu-system-x86_64 is missing: the QEMU network boot was NOT checked");
        var requests = new ConcurrentQueue<string>();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var boot = await StartBootServerAsync(requests, arrived);
        var bootUrl = new Uri(boot.Address, "/boot.ipxe");

        await using var lab = await VirtualLab.StartAsync(
            new LabOptions { SimulatedMachines = 0, QemuMachines = 1, Password = "lab-secret", BootUrl = bootUrl }, [], TimeProvider.System);
        var machine = lab["qemu-01"];
        using var http = LabHttp.Client(machine.Url);

        var patch = await http.PatchAsync($"{VirtualBmc.RootPath}/Systems/1",
            LabHttp.Json("""{"Boot":{"BootSourceOverrideTarget":"Pxe","BootSourceOverrideEnabled":"Once"}}"""));
        Assert.That(patch.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var reset = await http.PostAsync($"{VirtualBmc.RootPath}/Systems/1/Actions/ComputerSystem.Reset", LabHttp.Json("""{"ResetType":"ForceRestart"}"""));
        Assert.That(reset.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(machine.Backend.PowerState, Is.EqualTo(MachinePowerState.On));
        Assert.That(machine.Backend.CurrentBoot, Is.EqualTo(BootDevice.Pxe));
        Assert.That(machine.BootEnabled, Is.EqualTo("Disabled"), "a one-time override is consumed by the reset");

        var finished = await Task.WhenAny(arrived.Task, Task.Delay(TimeSpan.FromSeconds(90)));
        var console = File.Exists(machine.Backend.ConsoleLogPath) ? await ReadSharedAsync(machine.Backend.ConsoleLogPath!) : "(no console)";
        Assert.That(finished, Is.SameAs(arrived.Task), $"iPXE never fetched {bootUrl}; console:\n{console}");
        Assert.That(requests, Has.Some.EqualTo(machine.ProvisioningMac), "iPXE sent its MAC as ?mac=");
        Assert.That(console, Does.Contain("chain.ipxe"), "the serial console was captured, showing iPXE fetching chain.ipxe by TFTP");
        TestContext.Out.WriteLine($"console log {machine.Backend.ConsoleLogPath}:\n{console}");

        var off = await http.PostAsync($"{VirtualBmc.RootPath}/Systems/1/Actions/ComputerSystem.Reset", LabHttp.Json("""{"ResetType":"ForceOff"}"""));
        Assert.That(off.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(machine.Backend.PowerState, Is.EqualTo(MachinePowerState.Off), "ForceOff through QMP ends the QEMU process");
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private static Task<LoopbackServer> StartBootServerAsync(ConcurrentQueue<string> requests, TaskCompletionSource arrived) =>
        LoopbackServer.StartAsync(app => app.MapGet("/boot.ipxe", (HttpContext c) =>
        {
            requests.Enqueue(c.Request.Query["mac"].ToString());
            arrived.TrySetResult();
            return Results.Text("#!ipxe\necho TestFarm test boot script reached\nsleep 300\n", "text/plain");
        }));
}
