using TestFarm.Core.Configuration;
using TestFarm.Core.Hardware;
using TestFarm.Testing;

namespace TestFarm.Configuration.Tests;

public sealed class ProfilePostSecondsTests
{

    private static (HardwareProfile? Profile, List<string> Errors) Load(string post, string fastTrack)
    {
        var errors = new List<ConfigError>();
        var yaml = ConfigText.Profile + $"""

            firmware:
              bios: "2.6"
              postSeconds: {post}
            boot:
              methods: [pxe]
              fastTrack: {fastTrack}
            """;
        var loaded = HardwareProfileLoader.Load("hardware-profiles/p.yaml", yaml, errors);
        return (loaded?.Value, errors.Select(e => e.ToString()).ToList());
    }

    [Test]
    public void Post_seconds_and_fast_track_load_and_default_to_zero_and_allowed()
    {
        var (profile, errors) = Load("180", "false");
        Assert.That(errors, Is.Empty);
        Assert.That(profile!.Firmware.PostSeconds, Is.EqualTo(180));
        Assert.That(profile.Firmware.Post, Is.EqualTo(TimeSpan.FromMinutes(3)));
        Assert.That(profile.Boot.FastTrack, Is.False);

        var plain = HardwareProfileLoader.Load("p.yaml", ConfigText.Profile, new List<ConfigError>())!.Value;
        Assert.That(plain.Firmware.PostSeconds, Is.EqualTo(0));
        Assert.That(plain.Boot.FastTrack, Is.True);
    }

    [Test]
    public void A_negative_post_is_an_error_at_the_value()
    {
        Assert.That(Load("-5", "true").Errors, Is.EqualTo(new[]
        {
            "hardware-profiles/p.yaml:19:16: 'firmware.postSeconds' must be at least 0, was -5",
        }));
    }

    [Test]
    public void An_absurd_post_is_an_error_naming_the_limit_and_the_value()
    {
        Assert.That(Load("86400", "true").Errors, Is.EqualTo(new[]
        {
            "hardware-profiles/p.yaml:19:16: 'firmware.postSeconds' must be at most 1800 (30 minutes), was 86400",
        }));
    }

    [Test]
    public void A_fast_track_that_is_not_a_boolean_and_a_post_that_is_not_a_number_are_both_reported()
    {
        Assert.That(Load("slow", "maybe").Errors, Is.EqualTo(new[]
        {
            "hardware-profiles/p.yaml:19:16: 'firmware.postSeconds' must be an integer, was 'slow'",
            "hardware-profiles/p.yaml:22:14: 'boot.fastTrack' must be true or false, was 'maybe'",
        }));
    }

    [Test]
    public void Shipped_server_profiles_declare_a_realistic_post_and_lab_profiles_none()
    {
        var dir = Path.Combine(Fixtures.RepositoryRoot, "hardware-profiles");
        foreach (var file in Directory.GetFiles(dir, "*.yaml"))
        {
            var errors = new List<ConfigError>();
            var profile = HardwareProfileLoader.Load(file, File.ReadAllText(file), errors)!.Value;
            Assert.That(errors, Is.Empty, file);
            if (profile.Labels.GetValueOrDefault("class") == "lab")
                Assert.That(profile.Firmware.PostSeconds, Is.EqualTo(0), file);
            else
                Assert.That(profile.Firmware.PostSeconds, Is.InRange(90, 240), file);
        }
    }
}
