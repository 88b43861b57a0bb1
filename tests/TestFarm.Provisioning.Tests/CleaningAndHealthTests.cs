using TestFarm.Core.Bmc;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Provisioning.Health;
using TestFarm.Testing.Provisioning;

namespace TestFarm.Provisioning.Tests;

public sealed class CleaningAndHealthTests : FaultTestBase
{
    private CleanRequest Clean(bool untrusted, BootImage? cleaningImage = null) => new()
    {
        Machine = Sim.Machine, Profile = ProvisioningSamples.QemuProfile, Untrusted = untrusted, CleaningImage = cleaningImage,
        Heartbeat = _ => { Interlocked.Increment(ref Beats); return Task.CompletedTask; },
    };

    [Test]
    public async Task Cleaning_wipes_through_the_running_agent_clears_the_override_and_powers_off()
    {
        await Drive(Reimager.ReimageAsync(Bmc, Request()));
        Beats = 0;

        var outcome = await Drive(Cleaner.CleanAsync(Bmc, Clean(untrusted: true)));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded), outcome.Error);
        Assert.That(Sim.Cleaned, Is.EqualTo(Boot.TokenCheck.Accepted));
        Assert.That(outcome.Phases.Select(p => p.Phase), Is.EqualTo(new[] { "wipe", "clear-override", "power-off-after-clean" }));
        Assert.That(Bmc.Power, Is.EqualTo(PowerState.Off));
        Assert.That(Bmc.Calls, Does.Contain("SetOneTimeBoot None"));
        Assert.That(Sessions.SessionOf(Sim.Machine.Id), Is.Null);
        Assert.That(Beats, Is.GreaterThanOrEqualTo(3));
    }

    [Test]
    public async Task Without_an_agent_the_cleaning_image_is_booted_first()
    {
        var outcome = await Drive(Cleaner.CleanAsync(Bmc, Clean(untrusted: true, ProvisioningSamples.Image("cleaner"))));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded), outcome.Error);
        Assert.That(Sim.Boots, Is.EqualTo(new[] { BootTarget.Pxe }));
        Assert.That(outcome.Phases.Select(p => p.Phase), Does.Contain("agent-callback").And.Contain("wipe"));
    }

    [Test]
    public async Task An_agent_silent_since_a_power_cycle_is_not_waited_for_the_cleaning_image_is_booted()
    {
        await Drive(Reimager.ReimageAsync(Bmc, Request()));
        Time.Advance(Policy.AgentSilence + TimeSpan.FromSeconds(1)); // rebooted into its disk: no agent polls any more

        var outcome = await Drive(Cleaner.CleanAsync(Bmc, Clean(untrusted: true, ProvisioningSamples.Image("cleaner"))));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded), outcome.Error);
        Assert.That(Sim.Boots, Is.EqualTo(new[] { BootTarget.Pxe, BootTarget.Pxe }), "booted once for the image, once to clean");
        Assert.That(outcome.Phases.Single(p => p.Phase == "wipe").Duration, Is.LessThan(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public async Task An_agent_that_keeps_polling_is_asked_to_wipe_however_long_the_lease_was()
    {
        await Drive(Reimager.ReimageAsync(Bmc, Request()));
        var session = Sessions.SessionOf(Sim.Machine.Id)!;
        for (var i = 0; i < 120; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            Assert.That(Sessions.Poll(session.Id), Is.SameAs(session));
        }

        var outcome = await Drive(Cleaner.CleanAsync(Bmc, Clean(untrusted: true, ProvisioningSamples.Image("cleaner"))));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Succeeded), outcome.Error);
        Assert.That(Sim.Boots, Is.EqualTo(new[] { BootTarget.Pxe }), "no second boot: the running agent wiped");
    }

    [Test]
    public async Task After_an_untrusted_lease_a_wipe_cannot_be_skipped()
    {
        var outcome = await Drive(Cleaner.CleanAsync(Bmc, Clean(untrusted: true)));

        Assert.That(outcome.Status, Is.EqualTo(ProvisioningStatus.Failed));
        Assert.That(outcome.FailedPhase, Is.EqualTo(ProvisioningPhase.Wipe));
        Assert.That(outcome.Error, Does.Contain("mandatory"));
    }

    [Test]
    public async Task An_agent_that_never_wipes_fails_the_wipe_at_its_deadline()
    {
        await Drive(Reimager.ReimageAsync(Bmc, Request()));
        Sim.AnswersWipe = false;

        var outcome = await Drive(Cleaner.CleanAsync(Bmc, Clean(untrusted: false)));

        Assert.That(outcome.FailedPhase, Is.EqualTo(ProvisioningPhase.Wipe));
        Assert.That(outcome.Blamed, Is.EqualTo(HealthComponent.Disk));
        Assert.That(outcome.Phases.Single(p => p.Phase == "wipe").Duration, Is.EqualTo(Policy.Wipe.Deadline).Within(TimeSpan.FromSeconds(1)));
    }

    [Test]
    public async Task Health_rounds_grade_a_machine_suspect_then_quarantined_blaming_the_bmc()
    {
        var checker = new HealthChecker(Reimager, Time);
        var policy = new HealthPolicy { QuarantineAfter = 3, ReadmitAfter = 2 };
        var request = new HealthCheckRequest { Machine = Sim.Machine, Profile = ProvisioningSamples.QemuProfile };
        var health = MachineHealth.Healthy;

        var ok = await Drive(checker.CheckAsync(Bmc, request));
        Assert.That(ok.Select(r => (r.Check, r.Passed)), Is.EqualTo(new[] { ("bmc-reachable", true), ("power-cycle", true), ("inventory", true) }));

        Bmc.Unreachable = true;
        var grades = new List<HealthGrade>();
        for (var i = 0; i < 3; i++)
        {
            health = health.RecordRound(await Drive(checker.CheckAsync(Bmc, request)), policy);
            grades.Add(health.Grade);
        }
        Assert.That(grades, Is.EqualTo(new[] { HealthGrade.Suspect, HealthGrade.Suspect, HealthGrade.Quarantined }));
        Assert.That(health.Blamed, Is.EqualTo(HealthComponent.Bmc));
        Assert.That(health.LastFailure, Does.StartWith("bmc-reachable"));

        Bmc.Unreachable = false;
        health = health.RecordRound(await Drive(checker.CheckAsync(Bmc, request)), policy);
        Assert.That(health.Grade, Is.EqualTo(HealthGrade.Quarantined), "one pass is not enough");
        health = health.RecordRound(await Drive(checker.CheckAsync(Bmc, request)), policy);
        Assert.That(health.Grade, Is.EqualTo(HealthGrade.Healthy), "M passes re-admit");
    }

    [Test]
    public async Task The_network_boot_check_and_inventory_drift_blame_their_component()
    {
        var checker = new HealthChecker(Reimager, Time);
        Sim.CallsBack = false;
        Bmc.Inventory = new ObservedHardware { Nics = [new() { Id = "1" }, new() { Id = "2" }] };

        var results = await Drive(checker.CheckAsync(Bmc, new HealthCheckRequest
        {
            Machine = Sim.Machine, Profile = ProvisioningSamples.QemuProfile, BootProbe = ProvisioningSamples.Image(),
        }));

        var inventory = results.Single(r => r.Check == "inventory");
        Assert.That(inventory.Passed, Is.False);
        Assert.That(inventory.Detail, Does.Contain("nics: expected 1 ports, observed 2 ports"));
        var boot = results.Single(r => r.Check == "network-boot");
        Assert.That(boot.Passed, Is.False);
        Assert.That(boot.Blamed, Is.EqualTo(HealthComponent.Agent));
        Assert.That(boot.Detail, Does.StartWith("agent-callback"));
    }
}
