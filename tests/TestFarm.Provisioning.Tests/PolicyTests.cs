using TestFarm.Core.Hardware;
using TestFarm.Core.Provisioning;
using TestFarm.Testing.Provisioning;

namespace TestFarm.Provisioning.Tests;

/// <summary>The pure policies in TestFarm.Core.Provisioning.</summary>
public sealed class PolicyTests
{
    private static readonly HealthPolicy Policy = new() { QuarantineAfter = 3, ReadmitAfter = 2 };
    private static readonly HealthCheckResult Fail = new("power-cycle", false, HealthComponent.Power, "stuck On");
    private static readonly HealthCheckResult Pass = new("power-cycle", true);

    [Test]
    public void One_failure_makes_a_machine_suspect_and_a_pass_readmits_it()
    {
        var suspect = MachineHealth.Healthy.Record(Fail, Policy);
        Assert.That((suspect.Grade, suspect.Admissible, suspect.Blamed), Is.EqualTo((HealthGrade.Suspect, false, (HealthComponent?)HealthComponent.Power)));
        var back = suspect.Record(Pass, Policy);
        Assert.That((back.Grade, back.Admissible), Is.EqualTo((HealthGrade.Healthy, true)));
    }

    [Test]
    public void N_consecutive_failures_quarantine_and_only_repair_or_M_passes_readmit()
    {
        var q = MachineHealth.Healthy.Record(Fail, Policy).Record(Fail, Policy).Record(Fail, Policy);
        Assert.That(q.Grade, Is.EqualTo(HealthGrade.Quarantined));
        Assert.That(q.Record(Pass, Policy).Grade, Is.EqualTo(HealthGrade.Quarantined));
        Assert.That(q.Record(Pass, Policy).Record(Fail, Policy).Record(Pass, Policy).Grade, Is.EqualTo(HealthGrade.Quarantined), "passes must be consecutive");
        Assert.That(q.Record(Pass, Policy).Record(Pass, Policy).Grade, Is.EqualTo(HealthGrade.Healthy));
        Assert.That(q.Repair().Grade, Is.EqualTo(HealthGrade.Healthy));
        Assert.Throws<InvalidOperationException>(() => MachineHealth.Healthy.Repair());
    }

    [Test]
    public void A_pass_between_failures_resets_the_count()
    {
        var h = MachineHealth.Healthy.Record(Fail, Policy).Record(Fail, Policy).Record(Pass, Policy).Record(Fail, Policy);
        Assert.That((h.Grade, h.ConsecutiveFailures), Is.EqualTo((HealthGrade.Suspect, 1)));
    }

    [Test]
    public void Boot_methods_follow_the_fallback_order_within_what_the_profile_and_image_allow()
    {
        var profile = ProvisioningSamples.QemuProfile with { Boot = new BootSpec { Methods = [BootMethod.VirtualMedia, BootMethod.Http, BootMethod.Pxe] } };
        var netImage = ProvisioningSamples.Image();
        var isoImage = ProvisioningSamples.Image(iso: true);

        Assert.That(BootMethodChoice.Candidates(profile, netImage), Is.EqualTo(new[] { BootMethod.Pxe, BootMethod.Http }));
        Assert.That(BootMethodChoice.Candidates(profile, netImage, [BootMethod.Pxe]), Is.EqualTo(new[] { BootMethod.Http }));
        Assert.That(BootMethodChoice.Candidates(profile, isoImage), Is.EqualTo(new[] { BootMethod.VirtualMedia }));
        Assert.That(BootMethodChoice.Candidates(ProvisioningSamples.QemuProfile, isoImage), Is.Empty);
    }

    [Test]
    public void Fast_track_needs_same_digest_trusted_and_clean()
    {
        var image = ProvisioningSamples.Image();
        var state = new MachineImageState { RunningDigest = image.Digest, LastLeaseTrusted = true, LastLeaseClean = true };
        Assert.That(FastTrack.CanSkip(state, image), Is.True);
        Assert.That(FastTrack.CanSkip(state with { LastLeaseTrusted = false }, image), Is.False);
        Assert.That(FastTrack.CanSkip(state with { LastLeaseClean = false }, image), Is.False);
        Assert.That(FastTrack.CanSkip(state with { RunningDigest = null }, image), Is.False);
        Assert.That(FastTrack.CleaningRequired(state with { LastLeaseTrusted = false }), Is.True);
        Assert.That(image.Digest, Does.StartWith("sha256:"));
    }

    [Test]
    public void The_catalogue_finds_the_latest_build_of_a_name()
    {
        var catalogue = new ImageCatalogue().With(ProvisioningSamples.Image("b1")).With(ProvisioningSamples.Image("b2"));
        Assert.That(catalogue.Find("lab")!.BuildId, Is.EqualTo("b2"));
        Assert.That(catalogue.Find("lab", "b1")!.BuildId, Is.EqualTo("b1"));
        Assert.That(catalogue.Find("other"), Is.Null);
    }
}
