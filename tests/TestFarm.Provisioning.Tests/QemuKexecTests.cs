using System.Diagnostics;
using System.Net;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Provisioning;
using TestFarm.Lab.Machines;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Provisioning.Image;
using TestFarm.Provisioning.Reimage;
using TestFarm.Testing;
using TestFarm.Testing.Provisioning;

namespace TestFarm.Provisioning.Tests;

/// <summary>
/// Fast track on a real QEMU machine: two trusted leases in a row. The first boots the lab image the full way (BMC power
/// cycle, network boot); its cleaning wipes and leaves the machine powered in the agent; the second build is fetched by the
/// resident agent and kexec'd: the console shows the new kernel booting with the new build, and the BMC saw no call at all.
/// </summary>
[TestFixture, Category("qemu")]
public sealed class QemuKexecTests
{
    private static readonly HardwareProfile Arm64Profile = ProvisioningSamples.QemuProfile with
    {
        Name = "qemu-lab-arm64",
        Arch = CpuArchitecture.Arm64,
        Cpu = new CpuSpec { Vendor = "QEMU", Model = "cortex-a57", Sockets = 1, Cores = 1 },
        Boot = new BootSpec { Modes = [BootMode.Uefi], Methods = [BootMethod.Pxe] },
    };

    [Test, CancelAfter(300_000)]
    public Task Amd64_second_trusted_build_is_kexecd_by_the_resident_agent_without_a_bmc_call(CancellationToken cancellationToken) =>
        TwoTrustedLeasesAsync(CpuArchitecture.Amd64, cancellationToken);

    [Test, CancelAfter(480_000)]
    public Task Arm64_second_trusted_build_is_kexecd_by_the_resident_agent_without_a_bmc_call(CancellationToken cancellationToken) =>
        TwoTrustedLeasesAsync(CpuArchitecture.Arm64, cancellationToken);

    private static async Task TwoTrustedLeasesAsync(CpuArchitecture arch, CancellationToken cancellationToken)
    {
        var arm = arch == CpuArchitecture.Arm64;
        if (!QemuOptions.IsAvailable(arm ? "qemu-system-aarch64" : "qemu-system-x86_64"))
            Assert.Ignore($"QEMU for {arch} is missing: the kexec fast track was NOT checked");
        var tools = Fixtures.Repo(".tools");
        using var dir = new TempDirectory("tf-kexec");
        var first = LabImageOptions.Defaults(arch, dir.File("first"), tools) with { BuildId = "kexec-first" };
        if (!File.Exists(Path.Combine(first.KernelDir, "vmlinuz")) || !File.Exists(first.Busybox))
            Assert.Ignore($"no {arch} lab kernel or busybox under {tools}: run scripts/install-deps.sh");
        var firstImage = await LabImageBuilder.BuildAsync(first, cancellationToken);
        var secondImage = await LabImageBuilder.BuildAsync(first with { OutDir = dir.File("second"), BuildId = "kexec-second" }, cancellationToken);

        var time = TimeProvider.System;
        await using var host = await BootServiceHost.StartAsync(IPAddress.Loopback, 0, port => new Uri($"http://10.0.2.2:{port}"), time, cancellationToken: cancellationToken);
        host.Artifacts.AddImage(firstImage, dir.File("first"));
        host.Artifacts.AddImage(secondImage, dir.File("second"));
        var slow = TimeSpan.FromSeconds(arm ? 150 : 75);
        var policy = new ProvisioningPolicy
        {
            PowerOff = new PhasePolicy { Deadline = TimeSpan.FromSeconds(20) },
            OverrideSet = new PhasePolicy { Deadline = TimeSpan.FromSeconds(10) },
            Post = new PhasePolicy { Deadline = TimeSpan.FromSeconds(30) },
            NetworkBoot = new PhasePolicy { Deadline = slow },
            AgentCallback = new PhasePolicy { Deadline = slow },
            Wipe = new PhasePolicy { Deadline = TimeSpan.FromSeconds(30) },
            HeartbeatInterval = TimeSpan.FromSeconds(1),
            FastTrack = true,
        };
        var reimager = new Reimager(host.Sessions, host.Options, policy, time);
        var cleaner = new Cleaner(host.Sessions, reimager, policy, time);
        var profile = arm ? Arm64Profile : ProvisioningSamples.QemuProfile;
        var machine = ProvisioningSamples.Machine(arm ? "kexec-a64" : "kexec-1", arm ? "52:54:00:a6:00:0e" : "52:54:00:7f:00:0e") with { Profile = profile.Name };
        var qemu = new QemuMachine(new QemuOptions
        {
            Arch = arch, WorkDirectory = dir.File("qemu"), Mac = machine.ProvisioningMac, MemoryMiB = 1024, DiskBytes = [64L * 1024 * 1024],
            BootUrl = new Uri(host.LocalUrl, arm ? "/boot/v1/grub" : "/boot/v1/ipxe"),
            GrubDirectory = arm ? Path.Combine(tools, "arm64", "grub") : QemuOptions.DefaultGrubDirectory,
        });
        var inner = new MachineBmcClient(qemu, qemu.Inventory, time);
        await using var bmc = new RecordingBmc(inner);

        var full = await reimager.ReimageAsync(bmc, new ReimageRequest { Machine = machine, Profile = profile, Image = firstImage, TrustedBuild = true }, cancellationToken);
        Assert.That(full.Status, Is.EqualTo(ProvisioningStatus.Succeeded), () => $"{full.PhaseName}: {full.Error}\n{QemuConsole.Read(qemu)}");
        Assert.That(full.Path, Is.EqualTo(BootPath.Full));
        Assert.That(bmc.Calls, Does.Contain("Reset On"), "the first lease boots the full way, through the BMC");

        var cleaned = await cleaner.CleanAsync(bmc, new CleanRequest { Machine = machine, Profile = profile, StayInAgent = true }, cancellationToken);
        Assert.That(cleaned.Status, Is.EqualTo(ProvisioningStatus.Succeeded), () => $"{cleaned.PhaseName}: {cleaned.Error}\n{QemuConsole.Read(qemu)}");
        Assert.That(cleaned.AgentResident, Is.True, "a trusted lease's cleaning leaves the machine in its agent");
        Assert.That(qemu.PowerState, Is.EqualTo(MachinePowerState.On));

        bmc.Calls.Clear();
        var consoleBefore = QemuConsole.Read(qemu).Length;
        var state = new MachineImageState { AgentResident = true, LastLeaseTrusted = true, LastLeaseClean = true, RunningDigest = full.ImageDigest };
        var clock = Stopwatch.StartNew();
        var fast = await reimager.ReimageAsync(bmc, new ReimageRequest
        {
            Machine = machine, Profile = profile, Image = secondImage, TrustedBuild = true, State = state,
        }, cancellationToken);
        var elapsed = clock.Elapsed;
        var console = QemuConsole.Read(qemu);
        var after = console[Math.Min(consoleBefore, console.Length)..];
        TestContext.Out.WriteLine($"{arch}: full path {full.Phases.Sum(p => p.Duration.TotalSeconds):0.0} s ({string.Join(", ", full.Phases.Select(p => $"{p.Phase} {p.Duration.TotalSeconds:0.0}s"))}); " +
                                  $"fast track {elapsed.TotalSeconds:0.0} s ({string.Join(", ", fast.Phases.Select(p => $"{p.Phase} {p.Duration.TotalSeconds:0.0}s"))})");

        Assert.That(fast.Status, Is.EqualTo(ProvisioningStatus.Succeeded), () => $"{fast.PhaseName}: {fast.Error}\n{after}");
        Assert.That(fast.Path, Is.EqualTo(BootPath.FastTrack), () => $"the full path was taken; the console since the cleaning:\n{after}");
        Assert.That(fast.Phases.Select(p => p.Phase), Is.EqualTo(new[] { "agent-write", "kexec", "verify" }));
        Assert.That(fast.ReportedBuildId, Is.EqualTo("kexec-second"), "the kexec'd initramfs is the second build's");
        Assert.That(bmc.Calls, Is.Empty, "no reset, no boot override, not even a power query: the BMC saw nothing");
        Assert.That(after, Does.Contain("testfarm-agent: kexec into the next build"), "the resident agent kexec'd");
        Assert.That(after, Does.Contain("Linux version"), "the new kernel booted on the same console, with no power cycle");
        Assert.That(after, Does.Contain("testfarm-agent: build kexec-second"), "the new build's agent started");
        Assert.That(qemu.PowerState, Is.EqualTo(MachinePowerState.On));

        await inner.ResetAsync(PowerIntent.ForceOff, cancellationToken);
        Assert.That(host.Sessions.PendingCount, Is.Zero, "no boot token left usable");
    }

    /// <summary>The BMC's request log: every call the farm makes, by name, before it reaches the machine's BMC.</summary>
    private sealed class RecordingBmc(IBmcClient inner) : IBmcClient
    {
        public List<string> Calls { get; } = [];

        public Task<PowerState> GetPowerStateAsync(CancellationToken cancellationToken = default) { Add("GetPowerState"); return inner.GetPowerStateAsync(cancellationToken); }
        public Task ResetAsync(PowerIntent intent, CancellationToken cancellationToken = default) { Add($"Reset {intent}"); return inner.ResetAsync(intent, cancellationToken); }
        public Task WaitForPowerStateAsync(PowerState target, TimeSpan deadline, CancellationToken cancellationToken = default) { Add($"WaitForPowerState {target}"); return inner.WaitForPowerStateAsync(target, deadline, cancellationToken); }
        public Task SetOneTimeBootAsync(BootTarget target, BootModeRequest mode = BootModeRequest.Unchanged, CancellationToken cancellationToken = default) { Add($"SetOneTimeBoot {target}"); return inner.SetOneTimeBootAsync(target, mode, cancellationToken); }
        public Task<BootOverride> GetBootOverrideAsync(CancellationToken cancellationToken = default) { Add("GetBootOverride"); return inner.GetBootOverrideAsync(cancellationToken); }
        public Task InsertVirtualMediaAsync(Uri image, CancellationToken cancellationToken = default) { Add("InsertVirtualMedia"); return inner.InsertVirtualMediaAsync(image, cancellationToken); }
        public Task EjectVirtualMediaAsync(CancellationToken cancellationToken = default) { Add("EjectVirtualMedia"); return inner.EjectVirtualMediaAsync(cancellationToken); }
        public Task<ObservedHardware> GetInventoryAsync(CancellationToken cancellationToken = default) { Add("GetInventory"); return inner.GetInventoryAsync(cancellationToken); }
        public ValueTask DisposeAsync() => inner.DisposeAsync();

        private void Add(string call) { lock (Calls) Calls.Add(call); }
    }
}
