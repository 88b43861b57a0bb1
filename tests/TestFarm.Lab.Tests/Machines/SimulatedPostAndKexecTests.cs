using TestFarm.Core.Hardware;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;
using TestFarm.Testing;

namespace TestFarm.Lab.Tests.Machines;

public sealed class SimulatedPostAndKexecTests
{
    [Test]
    public async Task Power_on_reaches_the_boot_stage_only_after_the_profiles_post_and_a_kexec_skips_it()
    {
        var time = new FakeTimeProvider(FakeTimeProviderExtensions.Start);
        var profile = DefaultProfiles.QemuAmd64 with { Firmware = new FirmwareSpec { PostSeconds = 180 } };
        var machine = new SimulatedMachine(time, SimulatedTimings.Default.WithPostOf(profile));

        await machine.PowerOnAsync(new BootRequest(BootDevice.Pxe));
        time.Advance(TimeSpan.FromSeconds(179));
        Assert.That(machine.Phase, Is.EqualTo(MachinePhase.Post));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(machine.Phase, Is.EqualTo(MachinePhase.Booting));
        time.Advance(SimulatedTimings.Default.Boot);
        Assert.That(machine.Phase, Is.EqualTo(MachinePhase.Running));

        await machine.KexecAsync();
        Assert.That(machine.Phase, Is.EqualTo(MachinePhase.Booting), "no POST after a kexec");
        Assert.That(machine.PowerState, Is.EqualTo(MachinePowerState.On));
        time.Advance(SimulatedTimings.Default.Boot);
        Assert.That(machine.Phase, Is.EqualTo(MachinePhase.Running));
        Assert.That(machine.Kexecs, Is.EqualTo(1));
    }

    [Test]
    public async Task A_kexec_of_a_machine_that_is_off_does_nothing()
    {
        var time = new FakeTimeProvider(FakeTimeProviderExtensions.Start);
        var machine = new SimulatedMachine(time, SimulatedTimings.Default);

        await machine.KexecAsync();

        Assert.That(machine.Phase, Is.EqualTo(MachinePhase.Off));
        Assert.That(machine.Kexecs, Is.EqualTo(0));
    }
}
