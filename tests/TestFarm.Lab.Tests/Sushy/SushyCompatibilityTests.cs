using System.Diagnostics;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;

namespace TestFarm.Lab.Tests.Sushy;

/// <summary>The lab driven by OpenStack's Redfish library (Debian python3-sushy, Debian's own python3).</summary>
public sealed class SushyCompatibilityTests
{
    private const string Python = "/usr/bin/python3";

    [Test]
    public async Task Sushy_logs_in_resets_sets_pxe_once_and_handles_virtual_media()
    {
        if (!File.Exists(Python)) Assert.Ignore($"{Python} is missing: sushy compatibility NOT checked");
        await using var lab = await VirtualLab.StartAsync(
            new LabOptions { SimulatedMachines = 2, Password = "lab-secret", DefaultTimings = SimulatedTimings.Instant },
            [], TimeProvider.System);
        var machine = lab.Machines[1];
        await machine.Backend.PowerOnAsync(BootRequest.Disk);

        var output = await RunSushyAsync(lab.BaseAddress.AbsoluteUri.TrimEnd('/'), machine.RootPath + "/", "admin", "lab-secret");

        Assert.That(output, Does.Contain("session_key=yes"));
        Assert.That(output, Does.Contain($"session_uri={machine.RootPath}/SessionService/Sessions/"));
        Assert.That(output, Does.Contain($"systems={machine.RootPath}/Systems/1"));
        Assert.That(output, Does.Contain("power_before=On"));
        Assert.That(output, Does.Contain("reset_allowed=ForceOff,ForceRestart,GracefulRestart,GracefulShutdown,On,PowerCycle"));
        Assert.That(output, Does.Contain("power_after_off=Off"));
        Assert.That(output, Does.Contain("power_after_on=On"));
        Assert.That(output, Does.Contain("boot_target=Pxe"));
        Assert.That(output, Does.Contain("boot_enabled=Once"));
        Assert.That(output, Does.Contain("media_inserted=True"));
        Assert.That(output, Does.Contain("media_image=http://127.0.0.1:9/images/boot.iso"));
        Assert.That(output, Does.Contain("media_after_eject=False"));
        Assert.That(output, Does.Contain("done=yes"));
        Assert.That(machine.SessionCount, Is.Zero, "sushy closed its session with DELETE");
        Assert.That(lab.Machines[0].Backend.PowerState, Is.EqualTo(MachinePowerState.Off), "the other machine was not touched");
    }

    private static async Task<string> RunSushyAsync(string baseUrl, string rootPrefix, string user, string password)
    {
        var script = Path.Combine(TestContext.CurrentContext.TestDirectory, "Sushy", "sushy_check.py");
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(baseUrl);
        info.ArgumentList.Add(rootPrefix);
        info.ArgumentList.Add(user);
        info.Environment["TESTFARM_LAB_BMC_PASSWORD"] = password;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.That(process.ExitCode, Is.Zero, $"sushy script failed:\n{output}\n{await stderr}");
        return output;
    }
}
