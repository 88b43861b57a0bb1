using System.Net;
using TestFarm.Core.Bmc;
using TestFarm.Core.Provisioning;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Provisioning.Reimage;
using TestFarm.Redfish;
using TestFarm.Redfish.Factory;
using TestFarm.Testing;
using TestFarm.Testing.Provisioning;

namespace TestFarm.Provisioning.Tests;

/// <summary>
/// The farm's real reimage and cleaning, through the real Redfish client, against the lab's virtual BMCs
/// over simulated machines whose simulated agent fetches the iPXE script and calls back like the lab image.
/// </summary>
[CancelAfter(120_000)]
public sealed class LabSimulatedEndToEndTests
{
    private static readonly ProvisioningPolicy Fast = ProvisioningPolicy.Uniform(new PhasePolicy { Deadline = TimeSpan.FromSeconds(10) }, TimeSpan.FromSeconds(1));

    [Test]
    public async Task A_lab_machine_is_reimaged_verified_and_cleaned_through_its_virtual_bmc_and_a_pulled_drive_is_drift(CancellationToken ct)
    {
        var time = TimeProvider.System;
        var profile = LabProfiles.Read("epyc-9354-e810");
        await using var host = await BootServiceHost.StartAsync(IPAddress.Loopback, 0, port => new Uri($"http://127.0.0.1:{port}"), time, cancellationToken: ct);
        var timings = new SimulatedTimings { Post = TimeSpan.FromMilliseconds(200), Boot = TimeSpan.FromMilliseconds(200), Shutdown = TimeSpan.Zero };
        await using var lab = await VirtualLab.StartAsync(new LabOptions
        {
            SimulatedMachines = 2, Password = "lab-secret", BootUrl = new Uri(host.Options.PublicBaseUrl, "boot/v1/ipxe"), DefaultTimings = timings,
        }, [profile], time, cancellationToken: ct);
        var pool = lab.ToPool();
        var bmcs = new RedfishClientFactory(new RedfishOptions { PollInterval = TimeSpan.FromMilliseconds(100) }, time)
        {
            Environment = name => name == "TESTFARM_LAB_BMC_PASSWORD" ? "lab-secret" : null,
        };
        var reimager = new Reimager(host.Sessions, host.Options, Fast, time);
        var cleaner = new Cleaner(host.Sessions, reimager, Fast, time);
        var image = ProvisioningSamples.Image("build-7");

        var good = pool.Machines[0];
        await using (var bmc = bmcs.Create(good))
        {
            var outcome = await reimager.ReimageAsync(bmc, new ReimageRequest { Machine = good, Profile = profile, Image = image }, ct);
            Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded), () => $"{outcome.PhaseName}: {outcome.Error}");
            Assert.That(outcome.ReportedBuildId, Is.EqualTo("build-7"));
            Assert.That(outcome.Drift, Is.Empty);
            Assert.That(outcome.Observed!.Drives, Has.Count.EqualTo(profile.Storage.Sum(s => s.Count)));
            Assert.That(lab[good.Id].Backend.CurrentBoot, Is.EqualTo(BootDevice.Pxe));

            var cleaned = await cleaner.CleanAsync(bmc, new CleanRequest { Machine = good, Profile = profile, Untrusted = true }, ct);
            Assert.That(cleaned.Status, Is.EqualTo(ProvisioningStatus.Succeeded), () => $"{cleaned.PhaseName}: {cleaned.Error}");
            Assert.That(cleaned.Phases.Select(p => p.Phase), Does.Contain("wipe"));
            Assert.That(await bmc.GetPowerStateAsync(ct), Is.EqualTo(PowerState.Off));
        }

        var drifted = pool.Machines[1];
        lab[drifted.Id].SetDrivePulled("Drive2", pulled: true);
        await using (var bmc = bmcs.Create(drifted))
        {
            var outcome = await reimager.ReimageAsync(bmc, new ReimageRequest { Machine = drifted, Profile = profile, Image = image }, ct);
            Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Suspect));
            Assert.That(outcome.Drift.Select(d => d.Component), Does.Contain("drives"));
        }
    }

    [Test]
    public async Task A_second_trusted_build_is_kexecd_by_the_simulated_agent_with_no_power_cycle_and_no_post(CancellationToken ct)
    {
        var time = TimeProvider.System;
        var profile = LabProfiles.Read("epyc-9354-e810");
        await using var host = await BootServiceHost.StartAsync(IPAddress.Loopback, 0, port => new Uri($"http://127.0.0.1:{port}"), time, cancellationToken: ct);
        var timings = new SimulatedTimings { Post = TimeSpan.FromMilliseconds(300), Boot = TimeSpan.FromMilliseconds(200), Shutdown = TimeSpan.Zero };
        await using var lab = await VirtualLab.StartAsync(new LabOptions
        {
            SimulatedMachines = 1, Password = "lab-secret", BootUrl = new Uri(host.Options.PublicBaseUrl, "boot/v1/ipxe"), DefaultTimings = timings,
        }, [profile], time, cancellationToken: ct);
        var machine = lab.ToPool().Machines[0];
        var bmcs = new RedfishClientFactory(new RedfishOptions { PollInterval = TimeSpan.FromMilliseconds(100) }, time)
        {
            Environment = name => name == "TESTFARM_LAB_BMC_PASSWORD" ? "lab-secret" : null,
        };
        var reimager = new Reimager(host.Sessions, host.Options, Fast with { FastTrack = true }, time);
        var cleaner = new Cleaner(host.Sessions, reimager, Fast, time);
        var simulated = (TestFarm.Lab.Machines.SimulatedMachine)lab[machine.Id].Backend;
        await using var bmc = bmcs.Create(machine);

        var full = await reimager.ReimageAsync(bmc, new ReimageRequest { Machine = machine, Profile = profile, Image = ProvisioningSamples.Image("build-7"), TrustedBuild = true }, ct);
        Assert.That(full.Path, Is.EqualTo(BootPath.Full), () => $"{full.PhaseName}: {full.Error}");
        var cleaned = await cleaner.CleanAsync(bmc, new CleanRequest { Machine = machine, Profile = profile, StayInAgent = true }, ct);
        Assert.That(cleaned.AgentResident, Is.True, () => $"{cleaned.PhaseName}: {cleaned.Error}");

        var phases = new List<MachinePhase>();
        simulated.Changed += m => { lock (phases) phases.Add(m.Phase); };
        var etag = lab[machine.Id].ETag;
        var state = new MachineImageState { AgentResident = true, LastLeaseTrusted = true, LastLeaseClean = true };
        var fast = await reimager.ReimageAsync(bmc, new ReimageRequest
        {
            Machine = machine, Profile = profile, Image = ProvisioningSamples.Image("build-8"), TrustedBuild = true, State = state,
        }, ct);

        Assert.That(fast.Status, Is.EqualTo(ProvisioningStatus.Succeeded), () => $"{fast.PhaseName}: {fast.Error}");
        Assert.That(fast.Path, Is.EqualTo(BootPath.FastTrack));
        Assert.That(fast.Phases.Select(p => p.Phase), Is.EqualTo(new[] { "agent-write", "kexec", "verify" }));
        Assert.That(fast.ReportedBuildId, Is.EqualTo("build-8"), "the agent the kexec'd kernel started called back with the new build");
        Assert.That(simulated.Kexecs, Is.EqualTo(1));
        lock (phases) Assert.That(phases, Is.EqualTo(new[] { MachinePhase.Booting, MachinePhase.Running }), "kexec boots the OS again: no power-off, no POST");
        Assert.That(lab[machine.Id].ETag, Is.EqualTo(etag), "no boot override or media change reached the BMC");
        Assert.That(await bmc.GetPowerStateAsync(ct), Is.EqualTo(PowerState.On));
    }
}

internal static class LabProfiles
{
    public static Core.Hardware.HardwareProfile Read(string name) =>
        ProfileFileReader.Read(Fixtures.Repo("hardware-profiles", name + ".yaml"));
}
