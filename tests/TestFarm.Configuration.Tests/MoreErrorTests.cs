using TestFarm.Core.Configuration;

namespace TestFarm.Configuration.Tests;

public sealed class MoreErrorTests
{
    [Test]
    public void A_duplicate_field_and_an_empty_file_are_reported()
    {
        var set = ConfigText.Load(("hardware-profiles/dup.yaml", "name: a\narch: amd64\nname: b\n"), ("hardware-profiles/empty.yaml", ""));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "hardware-profiles/dup.yaml:3:1: duplicate field 'name'",
            "hardware-profiles/empty.yaml:1:1: file is empty",
        }));
    }

    [Test]
    public void Names_that_become_part_of_cell_ids_must_be_slugs()
    {
        var set = ConfigText.Load(("hardware-profiles/p.yaml", ConfigText.Profile.Replace("name: small", "name: Small/One", StringComparison.Ordinal)));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "hardware-profiles/p.yaml:1:7: 'name' must be lower-case letters, digits, '-' or '.' (it is part of cell ids), was 'Small/One'",
        }));
    }

    [Test]
    public void Two_machines_behind_one_bmc_or_one_mac_are_duplicates()
    {
        var pool = ConfigText.Pool(("m1", "small", "a"), ("m2", "small", "a"))
            .Replace("bmc/m2", "bmc/m1", StringComparison.Ordinal).Replace("00:00:02", "00:00:01", StringComparison.Ordinal);
        var set = ConfigText.Load(("hardware-profiles/small.yaml", ConfigText.Profile), ("pool.yaml", pool));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "pool.yaml:12:12: duplicate BMC url 'http://127.0.0.1:8000/bmc/m1' (first defined at pool.yaml:5:12)",
            "pool.yaml:14:22: duplicate provisioning MAC '52:54:00:00:00:01' (first defined at pool.yaml:7:22)",
        }));
    }

    [Test]
    public void A_pool_entry_with_a_secret_instead_of_a_reference_or_a_bad_mac_is_refused()
    {
        var pool = ConfigText.Pool(("m1", "small", "a"))
            .Replace("passwordEnv: TESTFARM_LAB_BMC_PASSWORD", "password: hunter2", StringComparison.Ordinal)
            .Replace("52:54:00:00:00:01", "52-54-00-00-00-01", StringComparison.Ordinal);
        var set = ConfigText.Load(("hardware-profiles/small.yaml", ConfigText.Profile), ("pool.yaml", pool));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "pool.yaml:6:20: 'machines[0].bmc.credentials' needs passwordEnv or passwordFile (a reference to the secret, never the secret)",
            "pool.yaml:6:34: unknown field 'password' in 'machines[0].bmc.credentials'; did you mean 'passwordEnv'?",
            "pool.yaml:7:22: 'machines[0].provisioningMac' must be a MAC like 52:54:00:12:34:56, was '52-54-00-00-00-01'",
        }));
        Assert.That(string.Join("\n", ConfigText.Messages(set)), Does.Not.Contain("hunter2"));
    }

    [Test]
    public void A_nightly_trigger_needs_a_cron_and_a_file_of_unknown_kind_is_named()
    {
        var plan = ConfigText.Plan.Replace("{kind: manual}", "{kind: nightly}", StringComparison.Ordinal);
        var set = ConfigText.Load(("hardware-profiles/small.yaml", ConfigText.Profile), ("scenarios/suites/quick.yaml", ConfigText.Suite),
            ("scenarios/plans/tiny.yaml", plan), ("notes.yaml", "hello: world\n"));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "notes.yaml:1:1: cannot tell what this file is: put it under hardware-profiles/, scenarios/plans/ or scenarios/suites/, or name it pool.yaml",
            "scenarios/plans/tiny.yaml:2:10: missing required field 'trigger.cron'",
        }));
    }

    [Test]
    public void A_role_selector_no_profile_can_match_and_unknown_include_exclude_names_are_reported()
    {
        var plan = ConfigText.Plan.Replace("{name: worker, count: 1}", "{name: worker, count: 1, selector: {nics.driver: mlx5_core}}", StringComparison.Ordinal)
            .Replace("cluster:", "  include: [{profile: smal, topology: 1cp-1w}]\n  exclude: [{topology: 1cp-2w}]\ncluster:", StringComparison.Ordinal);
        var set = ConfigText.Load(("hardware-profiles/small.yaml", ConfigText.Profile), ("scenarios/suites/quick.yaml", ConfigText.Suite), ("scenarios/plans/tiny.yaml", plan));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "scenarios/plans/tiny.yaml:7:7: role 'worker' of topology '1cp-1w' has selector {nics.driver=mlx5_core} that no hardware profile can match",
            "scenarios/plans/tiny.yaml:11:23: matrix include names unknown profile 'smal'; did you mean 'small'?",
            "scenarios/plans/tiny.yaml:12:24: matrix exclude names unknown topology '1cp-2w'; did you mean '1cp-1w'?",
        }));
    }

    [Test]
    public void A_step_setting_with_a_list_as_a_key_is_an_error_at_the_key()
    {
        // A mutated suite once crashed the loader here (a cast of a non-scalar key).
        var suite = ConfigText.Suite + "\n    headers:\n      ? [a, b]\n      : 1\n      x: 1\n";
        var set = ConfigText.Load(("scenarios/suites/quick.yaml", suite));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "scenarios/suites/quick.yaml:7:9: a key under 'headers' must be plain text, not a list or mapping",
        }));
    }

    [Test]
    public void An_empty_document_after_a_comment_without_a_final_line_break_is_placed_inside_the_file()
    {
        // YamlDotNet marks the empty document past the last line (found by a mutated suite, CsCheck seed cBwdNIw1O4D1).
        var set = ConfigText.Load(("scenarios/suites/quick.yaml", "# a\n---\n# no line break"));
        Assert.That(set.Errors, Is.Not.Empty);
        Assert.That(set.Errors.Select(e => (e.Line, e.Column)), Is.All.Matches<(int Line, int Column)>(p => p.Line <= 3 && p.Column <= "# no line break".Length + 1));
    }
}
