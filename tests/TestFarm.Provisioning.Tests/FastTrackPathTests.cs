using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Testing.Provisioning;

namespace TestFarm.Provisioning.Tests;

/// <summary>
/// Fast track: a trusted lease's cleaning leaves the machine in its agent; the next trusted build is written and
/// kexec'd by the agent without any BMC call (no power cycle, no POST). Everything else takes the full path.
/// </summary>
public sealed class FastTrackPathTests : FaultTestBase
{
    private static readonly MachineImageState Resident = new() { AgentResident = true, LastLeaseTrusted = true, LastLeaseClean = true };

    private CleanRequest Clean(bool untrusted = false, Core.Hardware.HardwareProfile? profile = null) => new()
    {
        Machine = Sim.Machine, Profile = profile ?? ProvisioningSamples.QemuProfile, Untrusted = untrusted, StayInAgent = true,
    };

    /// <summary>Boots the machine the full way, then cleans it as a lease release; returns the cleaning's outcome.</summary>
    private async Task<ProvisioningOutcome> LeaseAndCleanAsync(bool untrusted = false, Core.Hardware.HardwareProfile? profile = null)
    {
        var first = await Drive(Reimager.ReimageAsync(Bmc, Request(profile: profile)));
        Assert.That(first.Path, Is.EqualTo(BootPath.Full));
        return await Drive(Cleaner.CleanAsync(Bmc, Clean(untrusted, profile)));
    }

    [Test]
    public async Task A_trusted_build_after_a_trusted_cleaning_is_kexecd_with_no_bmc_call()
    {
        var cleaned = await LeaseAndCleanAsync();
        Assert.That(cleaned.AgentResident, Is.True);
        Assert.That(cleaned.Phases.Select(p => p.Phase), Does.Not.Contain("power-off-after-clean"));
        Assert.That(Bmc.Power, Is.EqualTo(Core.Bmc.PowerState.On), "stays powered in the agent");
        Bmc.Calls.Clear();
        var boots = Sim.Boots.Count;

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request(state: Resident) with { TrustedBuild = true }));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded));
        Assert.That(outcome.Path, Is.EqualTo(BootPath.FastTrack));
        Assert.That(outcome.Phases.Select(p => p.Phase), Is.EqualTo(new[] { "agent-write", "kexec", "verify" }));
        Assert.That(Bmc.Calls, Is.Empty, "no reset, no override, no power query: the BMC saw nothing");
        Assert.That(Sim.Boots, Has.Count.EqualTo(boots));
        Assert.That(Sim.Kexecs, Is.EqualTo(1));
    }

    [Test]
    public async Task An_untrusted_build_takes_the_full_path_even_on_a_resident_agent()
    {
        await LeaseAndCleanAsync();
        Bmc.Calls.Clear();

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request(state: Resident) with { TrustedBuild = false }));

        Assert.That(outcome.Path, Is.EqualTo(BootPath.Full));
        Assert.That(Bmc.Calls, Does.Contain("Reset ForceOff"));
        Assert.That(Sim.Kexecs, Is.EqualTo(0));
    }

    [Test]
    public async Task An_untrusted_lease_is_powered_off_after_its_wipe_and_never_left_in_the_agent()
    {
        var cleaned = await LeaseAndCleanAsync(untrusted: true);

        Assert.That(cleaned.AgentResident, Is.False);
        Assert.That(cleaned.Phases.Select(p => p.Phase), Does.Contain("power-off-after-clean"));
        Assert.That(Bmc.Power, Is.EqualTo(Core.Bmc.PowerState.Off));
        Assert.That(Sessions.SessionOf(Sim.Machine.Id), Is.Null);
    }

    [Test]
    public async Task A_profile_that_forbids_fast_track_powers_off_after_cleaning_and_boots_the_full_way()
    {
        var forbidding = ProvisioningSamples.QemuProfile with { Boot = ProvisioningSamples.QemuProfile.Boot with { FastTrack = false } };
        var cleaned = await LeaseAndCleanAsync(profile: forbidding);
        Assert.That(cleaned.AgentResident, Is.False);
        Bmc.Calls.Clear();

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request(profile: forbidding, state: Resident) with { TrustedBuild = true }));

        Assert.That(outcome.Path, Is.EqualTo(BootPath.Full));
        Assert.That(Bmc.Calls, Does.Contain("Reset On"));
        Assert.That(Sim.Kexecs, Is.EqualTo(0));
    }

    [Test]
    public async Task A_drift_after_kexec_falls_back_to_the_full_path_and_the_report_shows_both()
    {
        await LeaseAndCleanAsync();
        Bmc.Calls.Clear();
        Sim.KexecReportsBuild = "someone-elses-build";

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request(state: Resident) with { TrustedBuild = true }));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded));
        Assert.That(outcome.Path, Is.EqualTo(BootPath.Full));
        Assert.That(Sim.Kexecs, Is.EqualTo(1));
        var phases = outcome.Phases.Select(p => p.Phase).ToList();
        Assert.That(phases.Take(3), Is.EqualTo(new[] { "agent-write", "kexec", "verify" }));
        Assert.That(phases, Does.Contain("post"));
        Assert.That(outcome.Phases.First(p => p.Phase == "verify").Succeeded, Is.False);
        Assert.That(Bmc.Calls, Does.Contain("Reset On"));
    }

    [Test]
    public async Task A_silent_agent_is_not_trusted_to_kexec()
    {
        await LeaseAndCleanAsync();
        Time.Advance(Policy.AgentSilence + TimeSpan.FromSeconds(1));
        Bmc.Calls.Clear();

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request(state: Resident) with { TrustedBuild = true }));

        Assert.That(outcome.Path, Is.EqualTo(BootPath.Full));
        Assert.That(Sim.Kexecs, Is.EqualTo(0));
    }
}
