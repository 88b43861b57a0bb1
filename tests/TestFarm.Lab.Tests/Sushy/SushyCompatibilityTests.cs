using System.Diagnostics;
using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;
using TestFarm.Redfish;
using TestFarm.Redfish.Factory;

namespace TestFarm.Lab.Tests.Sushy;

/// <summary>
/// The lab driven by OpenStack's Redfish library (Debian python3-sushy, Debian's own python3) as Ironic and
/// Metal3 use it: <c>sushy.Sushy(url)</c> with the default root prefix <c>/redfish/v1/</c>, at the URL the lab's
/// pool file lists. Each step's effect is read back from the lab's machine and through the farm's own Redfish client.
/// </summary>
public sealed class SushyCompatibilityTests
{
    private const string Python = "/usr/bin/python3";
    private const string Password = "lab-secret";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    [TestCase("basic")]
    [TestCase("session")]
    public async Task Sushy_with_default_settings_powers_off_and_on_boots_pxe_once_and_handles_virtual_media(string auth)
    {
        if (!File.Exists(Python)) Assert.Ignore($"{Python} is missing: sushy compatibility NOT checked");
        if (!await SushyInstalledAsync()) Assert.Ignore("python3-sushy is missing (apt-get install python3-sushy): sushy compatibility NOT checked");
        await using var lab = await VirtualLab.StartAsync(
            new LabOptions { SimulatedMachines = 2, Password = Password, DefaultTimings = SimulatedTimings.Instant }, [], TimeProvider.System);
        var machine = lab.Machines[1];
        var pooled = lab.ToPool().Machines[1];
        await machine.Backend.PowerOnAsync(BootRequest.Disk);
        var factory = new RedfishClientFactory(new RedfishOptions(), TimeProvider.System) { Environment = n => n == "TESTFARM_LAB_BMC_PASSWORD" ? Password : null };
        // Basic auth for the farm's own reads, so every session on the BMC is sushy's.
        await using var farm = factory.Create(pooled with { Bmc = pooled.Bmc with { Auth = BmcAuthMode.Basic } });

        await using var sushy = SushyProcess.Start(Python, pooled.Bmc.Url.AbsoluteUri.TrimEnd('/'), "admin", auth, Password);
        var ready = await sushy.ReadAsync();
        Assert.That(ready, Does.StartWith("ready root=/redfish/v1/ systems=/redfish/v1/Systems/1 "));
        Assert.That(ready, Does.Contain("power=On reset_allowed=ForceOff,ForceRestart,GracefulRestart,GracefulShutdown,On,PowerCycle"));
        Assert.That(ready, auth == "session" ? Does.Contain("session=/redfish/v1/SessionService/Sessions/") : Does.Contain("session=none"));
        Assert.That(machine.SessionCount, Is.EqualTo(auth == "session" ? 1 : 0));

        Assert.That(await sushy.CommandAsync("off"), Is.EqualTo("ok off power=Off"));
        Assert.That(machine.Backend.PowerState, Is.EqualTo(MachinePowerState.Off));
        Assert.That(await farm.GetPowerStateAsync(), Is.EqualTo(PowerState.Off));

        Assert.That(await sushy.CommandAsync("pxe-once"), Is.EqualTo("ok pxe-once target=Pxe enabled=Once"));
        Assert.That((machine.BootEnabled, machine.BootTarget), Is.EqualTo(("Once", "Pxe")));
        var boot = await farm.GetBootOverrideAsync();
        Assert.That((boot.Enabled, boot.Target), Is.EqualTo(("Once", "Pxe")));

        Assert.That(await sushy.CommandAsync("on"), Is.EqualTo("ok on power=On boot_enabled=Disabled"));
        Assert.That(machine.Backend.PowerState, Is.EqualTo(MachinePowerState.On));
        Assert.That(machine.Backend.CurrentBoot, Is.EqualTo(BootDevice.Pxe), "the one-time override took the power-on to PXE");
        Assert.That((await farm.GetBootOverrideAsync()).Enabled, Is.EqualTo("Disabled"), "and was used up");

        const string Iso = "http://127.0.0.1:9/images/boot.iso";
        Assert.That(await sushy.CommandAsync($"insert {Iso}"), Is.EqualTo($"ok insert inserted=True image={Iso}"));
        Assert.That(machine.MediaImage, Is.EqualTo(new Uri(Iso)));
        Assert.That(await sushy.CommandAsync("eject"), Is.EqualTo("ok eject inserted=False"));
        Assert.That(machine.MediaImage, Is.Null);

        Assert.That(await sushy.CommandAsync("quit"), Is.EqualTo("ok quit"));
        Assert.That(machine.SessionCount, Is.Zero, "sushy closed any session it opened");
        Assert.That(lab.Machines[0].Backend.PowerState, Is.EqualTo(MachinePowerState.Off), "the other machine was not touched");
        Assert.That(lab.Machines[0].MediaImage, Is.Null);
    }

    private static async Task<bool> SushyInstalledAsync()
    {
        var info = new ProcessStartInfo(Python) { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("import sushy");
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(StepTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode == 0;
    }

    /// <summary>sushy_check.py running: one command a line in, one answer a line out, each within a bounded wait.</summary>
    private sealed class SushyProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stderr;

        private SushyProcess(Process process)
        {
            _process = process;
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public static SushyProcess Start(string python, string url, string user, string auth, string password)
        {
            var script = Path.Combine(TestContext.CurrentContext.TestDirectory, "Sushy", "sushy_check.py");
            var info = new ProcessStartInfo(python)
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var arg in new[] { script, url, user, auth }) info.ArgumentList.Add(arg);
            info.Environment["TESTFARM_LAB_BMC_PASSWORD"] = password;
            return new SushyProcess(Process.Start(info)!);
        }

        public async Task<string> CommandAsync(string command)
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
            return await ReadAsync();
        }

        public async Task<string> ReadAsync()
        {
            using var timeout = new CancellationTokenSource(StepTimeout);
            string? line;
            try { line = await _process.StandardOutput.ReadLineAsync(timeout.Token); }
            catch (OperationCanceledException) { line = null; }
            if (line is null)
            {
                if (!_process.HasExited) _process.Kill();
                Assert.Fail($"sushy gave no answer within {StepTimeout.TotalSeconds} s:\n{await _stderr}");
            }
            return line!;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var timeout = new CancellationTokenSource(StepTimeout);
                try { await _process.WaitForExitAsync(timeout.Token); }
                catch (OperationCanceledException) { _process.Kill(); }
            }
            _process.Dispose();
        }
    }
}
