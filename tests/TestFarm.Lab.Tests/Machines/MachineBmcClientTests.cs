using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Lab.Machines;
using TestFarm.Testing;

namespace TestFarm.Lab.Tests.Machines;

/// <summary>The in-process BMC over a lab machine backend, on a simulated machine and a fake clock.</summary>
public sealed class MachineBmcClientTests
{
    private static readonly SimulatedTimings Timings = new() { Post = TimeSpan.FromSeconds(5), Boot = TimeSpan.FromSeconds(5), Shutdown = TimeSpan.FromSeconds(5) };

    [Test]
    public async Task A_one_time_override_is_consumed_by_the_next_power_on_and_waits_follow_the_clock()
    {
        var time = new FakeTimeProvider();
        var machine = new SimulatedMachine(time, Timings);
        await using var bmc = new MachineBmcClient(machine, new ObservedHardware { Model = "sim" }, time);

        await bmc.SetOneTimeBootAsync(BootTarget.Pxe, BootModeRequest.Uefi);
        var set = await bmc.GetBootOverrideAsync();
        Assert.That((set.Enabled, set.Target, set.Mode), Is.EqualTo(("Once", "Pxe", "Uefi")));
        await bmc.ResetAsync(PowerIntent.On);
        Assert.That(machine.CurrentBoot, Is.EqualTo(BootDevice.Pxe));
        Assert.That((await bmc.GetBootOverrideAsync()).Enabled, Is.EqualTo("Disabled"), "consumed");

        var on = bmc.WaitForPowerStateAsync(PowerState.On, TimeSpan.FromSeconds(30));
        Assert.That(on.IsCompleted, Is.False, "still in POST");
        time.Advance(TimeSpan.FromSeconds(5));
        time.Advance(bmc.PollInterval);
        await on.WaitAsync(TimeSpan.FromSeconds(5));

        await bmc.ResetAsync(PowerIntent.ForceRestart);
        Assert.That(machine.CurrentBoot, Is.EqualTo(BootDevice.Hdd), "no override left: the disk");
        Assert.That((await bmc.GetInventoryAsync()).Model, Is.EqualTo("sim"));
    }

    [Test]
    public async Task A_power_state_never_reached_is_a_timeout_naming_the_state()
    {
        var time = new FakeTimeProvider();
        await using var bmc = new MachineBmcClient(new SimulatedMachine(time, Timings), new ObservedHardware(), time);
        var wait = bmc.WaitForPowerStateAsync(PowerState.On, TimeSpan.FromSeconds(10));
        for (var i = 0; i < 200 && !wait.IsCompleted; i++) time.Advance(TimeSpan.FromMilliseconds(100));
        var e = Assert.ThrowsAsync<BmcException>(() => wait.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.That((e!.Kind, e.Message), Is.EqualTo((BmcErrorKind.Timeout, "power state On not reached within 00:00:10")));
        Assert.ThrowsAsync<BmcException>(() => bmc.SetOneTimeBootAsync(BootTarget.BiosSetup));
    }

    [Test]
    public void An_arm64_qemu_machine_names_the_missing_grub_loader()
    {
        if (!QemuOptions.IsAvailable("qemu-system-aarch64")) Assert.Ignore("qemu-system-aarch64 is missing: the arm64 prerequisites were NOT checked");
        using var dir = new TempDirectory("tf-arm");
        var e = Assert.Throws<FileNotFoundException>(() => _ = new QemuMachine(new QemuOptions
        {
            Arch = CpuArchitecture.Arm64, WorkDirectory = dir.File("m"), Mac = "52:54:00:a6:00:09", GrubDirectory = dir.File("no-grub"),
        }));
        Assert.That(e!.Message, Does.Contain(Path.Combine(dir.File("no-grub"), "grubnetaa64.efi")).And.Contain("scripts/install-deps.sh"));
    }

    [Test]
    public void The_arm64_grub_chain_and_forward_point_at_the_boot_service()
    {
        var options = new QemuOptions { Arch = CpuArchitecture.Arm64, WorkDirectory = "/tmp/x", Mac = "52:54:00:a6:00:09" };
        var boot = new Uri("http://127.0.0.1:41234/boot/v1/grub");
        Assert.That(QemuOptions.GrubChainConfig(boot), Does.StartWith("insmod http\nset tf=(http,10.0.2.100)\n").And.Contain("source ${tf}/boot/v1/grub?mac=${net_default_mac}\n"));
        Assert.That(options.GuestForward(boot), Is.EqualTo("guestfwd=tcp:10.0.2.100:80-cmd:/bin/busybox nc 127.0.0.1 41234"));
        Assert.That(options.EffectiveBinary, Is.EqualTo("qemu-system-aarch64"));
    }
}
