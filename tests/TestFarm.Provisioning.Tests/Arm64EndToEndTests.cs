using System.Diagnostics;
using System.Net;
using TestFarm.Core.Hardware;
using TestFarm.Core.Provisioning;
using TestFarm.Lab.Machines;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Image;
using TestFarm.Provisioning.Reimage;
using TestFarm.Testing;
using TestFarm.Testing.Provisioning;

namespace TestFarm.Provisioning.Tests;

/// <summary>
/// An arm64 QEMU lab machine (virt, cortex-a57, TCG, AAVMF UEFI) network-boots the arm64 lab image:
/// firmware PXE loads GRUB's network loader by TFTP, GRUB sources the boot service's GRUB script by
/// HTTP and fetches kernel and initrd; the agent calls back and the farm verifies the build.
/// </summary>
[TestFixture, Category("qemu")]
public sealed class Arm64EndToEndTests
{
    private static readonly HardwareProfile Arm64Profile = ProvisioningSamples.QemuProfile with
    {
        Name = "qemu-lab-arm64",
        Arch = CpuArchitecture.Arm64,
        Cpu = new CpuSpec { Vendor = "QEMU", Model = "cortex-a57", Sockets = 1, Cores = 1 },
        Boot = new BootSpec { Modes = [BootMode.Uefi], Methods = [BootMethod.Pxe] },
    };

    [Test, CancelAfter(300_000)]
    public async Task Arm64_machine_uefi_pxe_boots_the_arm64_image_through_grub_and_calls_back(CancellationToken cancellationToken)
    {
        if (!QemuOptions.IsAvailable("qemu-system-aarch64")) Assert.Ignore("qemu-system-aarch64 is missing (apt-get install qemu-system-arm): the arm64 network boot was NOT checked");
        var tools = Fixtures.Repo(".tools");
        using var dir = new TempDirectory("tf-arm64");
        var imageOptions = LabImageOptions.Defaults(CpuArchitecture.Arm64, dir.File("image"), tools);
        if (!File.Exists(Path.Combine(imageOptions.KernelDir, "vmlinuz")))
            Assert.Ignore($"no arm64 lab kernel at {imageOptions.KernelDir}: run scripts/install-deps.sh");
        var image = await LabImageBuilder.BuildAsync(imageOptions, cancellationToken);
        Assert.That(image.Arch, Is.EqualTo(CpuArchitecture.Arm64));

        var time = TimeProvider.System;
        await using var host = await BootServiceHost.StartAsync(IPAddress.Loopback, 0, port => new Uri($"http://10.0.2.2:{port}"), time, cancellationToken: cancellationToken);
        host.Artifacts.AddImage(image, dir.File("image"));
        var policy = new ProvisioningPolicy
        {
            PowerOff = new PhasePolicy { Deadline = TimeSpan.FromSeconds(20) },
            OverrideSet = new PhasePolicy { Deadline = TimeSpan.FromSeconds(10) },
            Post = new PhasePolicy { Deadline = TimeSpan.FromSeconds(30) },
            NetworkBoot = new PhasePolicy { Deadline = TimeSpan.FromSeconds(90) },
            AgentCallback = new PhasePolicy { Deadline = TimeSpan.FromSeconds(150) },
            HeartbeatInterval = TimeSpan.FromSeconds(1),
        };
        var reimager = new Reimager(host.Sessions, host.Options, policy, time);
        var machine = ProvisioningSamples.Machine("arm-1", "52:54:00:a6:00:01") with { Profile = Arm64Profile.Name };
        var qemu = new QemuMachine(new QemuOptions
        {
            Arch = CpuArchitecture.Arm64, WorkDirectory = dir.File("qemu"), Mac = machine.ProvisioningMac,
            BootUrl = new Uri(host.LocalUrl, "/boot/v1/grub"), GrubDirectory = Path.Combine(tools, "arm64", "grub"), MemoryMiB = 1024, DiskBytes = [64L * 1024 * 1024],
        });
        await using var bmc = new MachineBmcClient(qemu, qemu.Inventory, time);

        var clock = Stopwatch.StartNew();
        var outcome = await reimager.ReimageAsync(bmc, new ReimageRequest { Machine = machine, Profile = Arm64Profile, Image = image }, cancellationToken);
        var elapsed = clock.Elapsed;
        var console = QemuConsole.Read(qemu);
        TestContext.Out.WriteLine($"arm64 reimage → verified in {elapsed.TotalSeconds:0.0} s; phases: {string.Join(", ", outcome.Phases.Select(p => $"{p.Phase} {p.Duration.TotalSeconds:0.0}s"))}");

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded), () => $"{outcome.PhaseName}: {outcome.Error}\n{console}");
        Assert.That(outcome.ReportedBuildId, Is.EqualTo(image.BuildId));
        Assert.That(outcome.Drift, Is.Empty);
        Assert.That(outcome.Observed!.Nics.Select(n => (n.Mac, n.Driver)), Is.EquivalentTo(new[] { ((string?)machine.ProvisioningMac, (string?)"virtio_net") }));
        Assert.That(console, Does.Contain("Start PXE over IPv4"), "the UEFI firmware network-booted");
        Assert.That(console, Does.Contain("TestFarm lab: GRUB sources /boot/v1/grub"), "GRUB ran the lab's grub.cfg from TFTP");
        Assert.That(console, Does.Contain("Linux version").And.Contain("cloud-arm64"), "the arm64 kernel ran");
        Assert.That(console, Does.Contain("testfarm-agent: network eth0"), "the arm64 agent brought the network up");

        await bmc.ResetAsync(TestFarm.Core.Bmc.PowerIntent.ForceOff, cancellationToken);
        Assert.That(qemu.PowerState, Is.EqualTo(MachinePowerState.Off));
    }
}
