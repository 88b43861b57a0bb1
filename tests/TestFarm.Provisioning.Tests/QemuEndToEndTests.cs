using System.Diagnostics;
using System.Net;
using TestFarm.Core.Bmc;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Provisioning.Image;
using TestFarm.Lab.Machines;
using TestFarm.Provisioning.Reimage;
using TestFarm.Testing;
using TestFarm.Testing.Provisioning;

namespace TestFarm.Provisioning.Tests;

/// <summary>
/// A real QEMU machine network-boots the built lab image through iPXE (user-mode TFTP chains to the
/// boot service on 127.0.0.1, seen by the guest as 10.0.2.2); the agent calls back; the farm verifies
/// build id and hardware, then cleans (wipe callback, override cleared, power off).
/// </summary>
[TestFixture, Category("qemu")]
public sealed class QemuEndToEndTests
{
    [Test, CancelAfter(180_000)]
    public async Task Qemu_machine_network_boots_is_verified_and_cleaned(CancellationToken cancellationToken)
    {
        var kernelDir = Fixtures.Repo(".tools", "kernel");
        if (!File.Exists(Path.Combine(kernelDir, "vmlinuz")))
            Assert.Ignore($"no lab kernel at {kernelDir}: run scripts/install-deps.sh");
        using var dir = new TempDirectory("tf-e2e");
        var image = await LabImageBuilder.BuildAsync(new LabImageOptions { KernelDir = kernelDir, OutDir = dir.File("image") }, cancellationToken);

        var time = TimeProvider.System;
        await using var host = await BootServiceHost.StartAsync(IPAddress.Loopback, 0, port => new Uri($"http://10.0.2.2:{port}"), time, cancellationToken: cancellationToken);
        host.Artifacts.AddImage(image, dir.File("image"));
        var policy = new ProvisioningPolicy
        {
            PowerOff = new PhasePolicy { Deadline = TimeSpan.FromSeconds(20) },
            OverrideSet = new PhasePolicy { Deadline = TimeSpan.FromSeconds(10) },
            Post = new PhasePolicy { Deadline = TimeSpan.FromSeconds(20) },
            NetworkBoot = new PhasePolicy { Deadline = TimeSpan.FromSeconds(40) },
            AgentCallback = new PhasePolicy { Deadline = TimeSpan.FromSeconds(75) },
            Wipe = new PhasePolicy { Deadline = TimeSpan.FromSeconds(30) },
            HeartbeatInterval = TimeSpan.FromSeconds(1),
        };
        var reimager = new Reimager(host.Sessions, host.Options, policy, time);
        var cleaner = new Cleaner(host.Sessions, reimager, policy, time);

        var machine = ProvisioningSamples.Machine("qemu-1", "52:54:00:7f:00:01");
        var qemu = new QemuMachine(new QemuOptions
        {
            WorkDirectory = dir.File("qemu"), Mac = machine.ProvisioningMac, BootUrl = new Uri(host.LocalUrl, "/boot/v1/ipxe"), MemoryMiB = 1024, DiskBytes = [64L * 1024 * 1024],
        });
        await using var bmc = new MachineBmcClient(qemu, qemu.Inventory, time);
        await File.WriteAllBytesAsync(qemu.DiskPaths[0], Enumerable.Repeat((byte)0xAB, 64 * 1024 * 1024).ToArray(), cancellationToken);
        var beats = 0;

        var clock = Stopwatch.StartNew();
        var outcome = await reimager.ReimageAsync(bmc, new ReimageRequest
        {
            Machine = machine, Profile = ProvisioningSamples.QemuProfile, Image = image,
            Heartbeat = _ => { Interlocked.Increment(ref beats); return Task.CompletedTask; },
        }, cancellationToken);
        var booted = clock.Elapsed;
        TestContext.Out.WriteLine($"reimage → verified in {booted.TotalSeconds:0.0} s; phases: {string.Join(", ", outcome.Phases.Select(p => $"{p.Phase} {p.Duration.TotalSeconds:0.0}s"))}");

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded), () => $"{outcome.PhaseName}: {outcome.Error}\n{QemuConsole.Read(qemu)}");
        Assert.That(outcome.ReportedBuildId, Is.EqualTo(image.BuildId));
        Assert.That(outcome.Drift, Is.Empty);
        Assert.That(outcome.Observed!.Nics.Select(n => (n.Mac, n.Driver)), Is.EquivalentTo(new[] { ((string?)machine.ProvisioningMac, (string?)"virtio_net") }));
        Assert.That(outcome.Observed.Drives, Has.Count.EqualTo(1));
        Assert.That(outcome.Observed.Drives[0].CapacityBytes, Is.EqualTo(64L * 1024 * 1024));
        Assert.That(outcome.Observed.CoreCount, Is.EqualTo(1));
        Assert.That(beats, Is.GreaterThanOrEqualTo(5), "heartbeat called at each phase start");

        var cleaned = await cleaner.CleanAsync(bmc, new CleanRequest { Machine = machine, Profile = ProvisioningSamples.QemuProfile, Untrusted = true }, cancellationToken);
        TestContext.Out.WriteLine($"cleaned in {(clock.Elapsed - booted).TotalSeconds:0.0} s; phases: {string.Join(", ", cleaned.Phases.Select(p => $"{p.Phase} {p.Duration.TotalSeconds:0.0}s"))}");

        Assert.That(cleaned.Status, Is.EqualTo(ProvisioningStatus.Succeeded), () => $"{cleaned.PhaseName}: {cleaned.Error}\n{QemuConsole.Read(qemu)}");
        Assert.That(cleaned.Phases.Select(p => p.Phase), Is.EqualTo(new[] { "wipe", "clear-override", "power-off-after-clean" }));
        Assert.That(await bmc.GetPowerStateAsync(cancellationToken), Is.EqualTo(PowerState.Off));
        Assert.That(qemu.PowerState, Is.EqualTo(MachinePowerState.Off));
        Assert.That((await bmc.GetBootOverrideAsync(cancellationToken)).Enabled, Is.EqualTo("Disabled"));
        var disk = await File.ReadAllBytesAsync(qemu.DiskPaths[0], cancellationToken);
        Assert.That(disk.Take(4 * 1024 * 1024).All(b => b == 0), Is.True, "first 4 MiB wiped");
        Assert.That(disk.Skip(63 * 1024 * 1024).All(b => b == 0), Is.True, "last MiB wiped");
        Assert.That(disk[10 * 1024 * 1024], Is.EqualTo(0xAB), "the middle untouched: the wipe is the agent's, not a new file");
        Assert.That(host.Sessions.PendingCount, Is.Zero, "no boot token left usable");
        Assert.That(host.Sessions.SessionOf(machine.Id), Is.Null, "agent session closed");
    }
}
