using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Provisioning;
using TestFarm.Core.Results;
using TestFarm.Provisioning.Boot;
using TestFarm.Testing.Provisioning;

namespace TestFarm.Provisioning.Tests;

public sealed class ReimageFaultTests : FaultTestBase
{
    [Test]
    public async Task A_healthy_machine_is_reimaged_and_verified()
    {
        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request()));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded), outcome.Error);
        Assert.That(outcome.Method, Is.EqualTo(BootMethod.Pxe));
        Assert.That(outcome.ReportedBuildId, Is.EqualTo("build-42"));
        Assert.That(outcome.Phases.Select(p => p.Phase), Is.EqualTo(new[] { "power-off", "override-set", "post", "network-boot", "agent-callback", "verify" }));
        Assert.That(Sim.Boots, Is.EqualTo(new[] { BootTarget.Pxe }));
        Assert.That(Bmc.Calls, Does.Contain("Reset ForceOff"), "powered off first");
        Assert.That(Sessions.PendingCount, Is.Zero);
        Assert.That(Beats, Is.GreaterThanOrEqualTo(5), "heartbeat at each phase start");
    }

    [Test]
    public async Task Boot_override_ignored_blames_override_set_and_leaks_nothing()
    {
        Bmc.IgnoreOverride = true;

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request()));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Failed));
        Assert.That(outcome.FailedPhase, Is.EqualTo(ProvisioningPhase.OverrideSet));
        Assert.That(outcome.PhaseName, Is.EqualTo("override-set"));
        Assert.That(outcome.Blamed, Is.EqualTo(HealthComponent.Bmc));
        Assert.That(outcome.Error, Does.Contain("boot override ignored"));
        Assert.That(outcome.CellVerdict, Is.EqualTo(Verdict.InfraError));
        Assert.That(Sim.Boots, Is.Empty, "never powered on into an unknown boot device");
        Assert.That(Bmc.Power, Is.EqualTo(PowerState.Off));
        Assert.That(Sessions.PendingCount, Is.Zero, "token revoked");
    }

    [Test]
    public async Task Agent_that_never_calls_back_blames_agent_callback_at_its_deadline()
    {
        Sim.CallsBack = false;
        var start = Time.GetUtcNow();

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request()));

        Assert.That(outcome.FailedPhase, Is.EqualTo(ProvisioningPhase.AgentCallback));
        Assert.That(outcome.Blamed, Is.EqualTo(HealthComponent.Agent));
        Assert.That(outcome.Error, Does.Contain("deadline"));
        var callback = outcome.Phases.Single(p => p.Phase == "agent-callback");
        Assert.That(callback.Succeeded, Is.False);
        Assert.That(callback.Duration, Is.EqualTo(Policy.AgentCallback.Deadline).Within(TimeSpan.FromSeconds(1)));
        Assert.That(Time.GetUtcNow() - start, Is.LessThan(Policy.AgentCallback.Deadline + TimeSpan.FromSeconds(5)));
        Assert.That(Bmc.Power, Is.EqualTo(PowerState.Off), "powered off after the failure");
        Assert.That(Sessions.PendingCount, Is.Zero);
        Assert.That(Beats, Is.GreaterThanOrEqualTo((int)(Policy.AgentCallback.Deadline / Policy.HeartbeatInterval)), "heartbeat kept beating while waiting");
    }

    [Test]
    public async Task Machine_that_never_reaches_the_boot_service_blames_network_boot()
    {
        Sim.FetchesScript = false;

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request()));

        Assert.That(outcome.FailedPhase, Is.EqualTo(ProvisioningPhase.NetworkBoot));
        Assert.That(outcome.Blamed, Is.EqualTo(HealthComponent.Nic));
    }

    [Test]
    public async Task A_burst_of_BMC_5xx_is_retried_within_the_phase_policy()
    {
        Bmc.FailNext(2, 503);

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request()));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded), outcome.Error);
        Assert.That(Bmc.CountOf("GetPowerState"), Is.EqualTo(3), "two failures, then the third attempt");
        Assert.That(outcome.Phases[0].Phase, Is.EqualTo("power-off"));
        Assert.That(outcome.Phases[0].Duration, Is.EqualTo(TimeSpan.FromSeconds(2 + 4)), "backoff 2 s then 4 s on the fake clock");
    }

    [Test]
    public async Task A_longer_5xx_burst_fails_the_phase_with_the_status()
    {
        Bmc.FailNext(10, 500);

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request()));

        Assert.That(outcome.FailedPhase, Is.EqualTo(ProvisioningPhase.PowerOff));
        Assert.That(outcome.Error, Does.Contain("HTTP 500"));
        Assert.That(Bmc.CountOf("GetPowerState"), Is.EqualTo(3), "1 + 2 retries");
    }

    [Test]
    public async Task Hardware_drift_makes_the_machine_suspect_with_the_difference()
    {
        Sim.Nics = [new() { Name = "eth0", Driver = "virtio_net" }, new() { Name = "eth1", Driver = "virtio_net" }];
        Sim.Disks = [];

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request()));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Suspect));
        Assert.That(outcome.FailedPhase, Is.EqualTo(ProvisioningPhase.Verify));
        Assert.That(outcome.Blamed, Is.EqualTo(HealthComponent.Inventory));
        Assert.That(outcome.CellVerdict, Is.EqualTo(Verdict.InfraError));
        Assert.That(outcome.Drift.Select(d => d.ToString()), Does.Contain("nics: expected 1 ports, observed 2 ports"));
        Assert.That(outcome.Error, Does.Contain("nics: expected 1 ports, observed 2 ports"));
        Assert.That(outcome.Drift.Select(d => d.ToString()), Does.Contain("drives: expected 1 drives, observed 0 drives"), "a missing disk");
    }

    [Test]
    public async Task A_different_build_id_is_caught()
    {
        Sim.ReportsBuild = "build-41";

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request()));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Suspect));
        Assert.That(outcome.Drift[0], Is.EqualTo(new DriftItem("build id", "build-42", "build-41")));
        Assert.That(outcome.Blamed, Is.EqualTo(HealthComponent.Boot));
    }

    [Test]
    public async Task Unsupported_pxe_falls_back_to_http_boot()
    {
        Bmc.UnsupportedTargets.Add(BootTarget.Pxe);
        var profile = ProvisioningSamples.QemuProfile with { Boot = new BootSpec { Methods = [BootMethod.Http, BootMethod.Pxe] } };

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request(profile: profile)));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded), outcome.Error);
        Assert.That(outcome.Method, Is.EqualTo(BootMethod.Http));
        Assert.That(Sim.Boots, Is.EqualTo(new[] { BootTarget.UefiHttp }));
    }

    [Test]
    public async Task Virtual_media_inserts_the_iso_by_url_and_ejects_it_after()
    {
        var profile = ProvisioningSamples.QemuProfile with { Boot = new BootSpec { Methods = [BootMethod.VirtualMedia] } };
        Uri? inserted = null;
        Bmc.OnPowerOn = target =>
        {
            inserted = Bmc.InsertedMedia;
            var token = System.Web.HttpUtility.ParseQueryString(inserted!.Query)["token"]!;
            Sessions.ForFetch(token);
            Sessions.AcceptBooted(Sim.Report(token, "build-42"), "sim");
        };

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, Request(ProvisioningSamples.Image(iso: true), profile)));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded), outcome.Error);
        Assert.That(inserted!.AbsolutePath, Is.EqualTo($"/boot/v1/artifacts/{new string('c', 64)}/lab.iso"));
        Assert.That(Bmc.Calls, Does.Contain("SetOneTimeBoot Cd"));
        Assert.That(Bmc.InsertedMedia, Is.Null, "ejected");
    }

    [Test]
    public async Task Fast_track_skips_only_a_trusted_clean_machine_on_the_same_digest()
    {
        var image = ProvisioningSamples.Image();
        var trusted = new MachineImageState { RunningDigest = image.Digest, LastLeaseTrusted = true, LastLeaseClean = true };

        var skipped = await Drive(Reimager.ReimageAsync(Bmc, Request(image, state: trusted)));
        Assert.That(skipped.Status, Is.EqualTo(ProvisioningStatus.FastTracked));
        Assert.That(Bmc.Calls, Is.Empty);

        var afterUntrusted = await Drive(Reimager.ReimageAsync(Bmc, Request(image, state: trusted with { LastLeaseTrusted = false })));
        Assert.That(afterUntrusted.Status, Is.EqualTo(ProvisioningStatus.Succeeded));
        Assert.That(Sim.Boots, Has.Count.EqualTo(1), "untrusted last lease: full reimage");

        var otherDigest = await Drive(Reimager.ReimageAsync(Bmc, Request(image with { Cmdline = "console=ttyS1" }, state: trusted)));
        Assert.That(otherDigest.Status, Is.EqualTo(ProvisioningStatus.Succeeded));
        Assert.That(Sim.Boots, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task A_failing_heartbeat_stops_the_reimage()
    {
        Sim.CallsBack = false;
        var request = Request() with
        {
            Heartbeat = _ => Time.GetUtcNow() > new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero)
                ? throw new InvalidOperationException("lease lost")
                : Task.CompletedTask,
        };

        var outcome = await Drive(Reimager.ReimageAsync(Bmc, request));

        Assert.That(outcome.FailedPhase, Is.EqualTo(ProvisioningPhase.AgentCallback));
        Assert.That(outcome.Error, Does.Contain("lease heartbeat failed: lease lost"));
        Assert.That(Time.GetUtcNow(), Is.LessThan(new DateTimeOffset(2026, 1, 1, 0, 2, 0, TimeSpan.Zero)), "stopped at the next beat, not at the deadline");
    }
}
