using TestFarm.Core.Configuration;
using TestFarm.Core.Suites;

namespace TestFarm.Configuration.Tests;

public sealed class CrossFileErrorTests
{
    private static readonly (string, string) Profile = ("hardware-profiles/small.yaml", ConfigText.Profile);
    private static readonly (string, string) Suite = ("scenarios/suites/quick.yaml", ConfigText.Suite);

    [Test]
    public void A_consistent_set_has_no_errors_and_expands_to_its_cells()
    {
        var set = ConfigText.Load(Profile, Suite, ("scenarios/plans/tiny.yaml", ConfigText.Plan),
            ("pool.yaml", ConfigText.Pool(("m1", "small", "a"), ("m2", "small", "a"))));
        Assert.That(ConfigText.Messages(set), Is.Empty);
        Assert.That(set.Expand(set.Plan("tiny")!).Cells.Select(c => c.Id), Is.EqualTo(new[] { "tiny/small/1cp-1w" }));
    }

    [Test]
    public void Duplicate_names_across_files_point_at_the_second_and_name_the_first()
    {
        var set = ConfigText.Load(Profile, ("hardware-profiles/copy.yaml", ConfigText.Profile));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "hardware-profiles/small.yaml:1:7: duplicate hardware profile 'small' (first defined at hardware-profiles/copy.yaml:1:7)",
        }));
    }

    [Test]
    public void A_pool_machine_with_an_unknown_profile_is_a_dangling_reference()
    {
        var set = ConfigText.Load(Profile, ("pool.yaml", ConfigText.Pool(("m1", "smal", "a"))));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "pool.yaml:3:14: machine 'm1' references unknown profile 'smal'; did you mean 'small'?",
        }));
    }

    [Test]
    public void A_plan_naming_an_unknown_suite_is_a_dangling_reference()
    {
        var set = ConfigText.Load(Profile, Suite, ("scenarios/plans/tiny.yaml", ConfigText.Plan.Replace("[quick]", "[quik]", StringComparison.Ordinal)));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "scenarios/plans/tiny.yaml:12:10: plan 'tiny' references unknown suite 'quik'; did you mean 'quick'?",
        }));
    }

    [Test]
    public void A_role_count_below_one_is_an_impossible_topology()
    {
        var plan = ConfigText.Plan.Replace("{name: worker, count: 1}", "{name: worker, count: 0}", StringComparison.Ordinal);
        var set = ConfigText.Load(Profile, Suite, ("scenarios/plans/tiny.yaml", plan));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "scenarios/plans/tiny.yaml:10:33: 'matrix.topologies[0].roles[1].count' must be at least 1, was 0",
        }));
    }

    [Test]
    public void A_profile_selector_no_profile_matches_is_an_error_and_so_is_the_empty_matrix()
    {
        var plan = ConfigText.Plan.Replace("arch: amd64", "arch: s390x", StringComparison.Ordinal);
        var set = ConfigText.Load(Profile, Suite, ("scenarios/plans/tiny.yaml", plan));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "scenarios/plans/tiny.yaml:4:3: the matrix of plan 'tiny' has no cells",
            "scenarios/plans/tiny.yaml:5:7: profile selector {arch=s390x} matches no hardware profile",
        }));
    }

    [Test]
    public void An_unknown_selector_field_names_the_nearest_one()
    {
        var plan = ConfigText.Plan.Replace("- arch: amd64", "- arch: amd64\n      nics.drvier: bnxt_en", StringComparison.Ordinal);
        var set = ConfigText.Load(Profile, Suite, ("scenarios/plans/tiny.yaml", plan));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "scenarios/plans/tiny.yaml:6:7: unknown selector field 'nics.drvier' in 'matrix.profiles[0]'; did you mean 'nics.driver'?",
        }));
    }

    [Test]
    public void Bad_plan_values_are_each_reported()
    {
        var plan = ConfigText.Plan.Replace("deployer: lab", "deployer: kops", StringComparison.Ordinal)
            + "\ntimeouts: {deploy: 30 minutes, reimge: 5m}\npriority: urgent\n";
        var set = ConfigText.Load(Profile, Suite, ("scenarios/plans/tiny.yaml", plan));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "scenarios/plans/tiny.yaml:11:21: 'cluster.deployer' must be one of kubespray, k3s, talos, lab, was 'kops'",
            "scenarios/plans/tiny.yaml:13:20: 'timeouts.deploy' must be a duration like 90s, 30m, 2h or 1h30m, was '30 minutes'",
            "scenarios/plans/tiny.yaml:13:32: unknown field 'reimge' in 'timeouts'; did you mean 'reimage'?",
            "scenarios/plans/tiny.yaml:14:11: 'priority' must be one of release-qualification, pull-request, nightly, manual, interactive, was 'urgent'",
        }));
    }

    [Test]
    public void An_unknown_step_kind_is_rejected_with_the_nearest_kind()
    {
        var set = ConfigText.Load(("scenarios/suites/quick.yaml", ConfigText.Suite.Replace("kind: probe", "kind: chaoss", StringComparison.Ordinal)));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "scenarios/suites/quick.yaml:3:11: unknown step kind 'chaoss'; did you mean 'chaos'? (allowed: conformance, junit, api-checks, chaos, probe, load)",
        }));
    }

    [Test]
    public void Step_validators_see_each_step_of_their_kind_with_its_settings_and_place()
    {
        var validator = new RequireSetting("probe", "timeout");
        var set = ConfigurationLoader.Load([new ConfigFile("scenarios/suites/quick.yaml", ConfigText.Suite)], [validator]);
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[] { "scenarios/suites/quick.yaml:3:5: probe step 'api-up' needs 'timeout'" }));
        Assert.That(set.Suite("quick")!.Steps[0].Settings["url"], Is.EqualTo("/healthz"));
        Assert.That(set.Suite("quick")!.Steps[0].Source, Is.EqualTo("scenarios/suites/quick.yaml:3:5"));
    }

    [Test]
    public void A_cell_the_pool_cannot_fill_is_refused_with_what_is_missing()
    {
        var set = ConfigText.Load(Profile, Suite, ("scenarios/plans/tiny.yaml", ConfigText.Plan), ("pool.yaml", ConfigText.Pool(("m1", "small", "a"))));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "scenarios/plans/tiny.yaml:7:7: cell tiny/small/1cp-1w cannot be admitted: needs 2× small (control-plane 1 + worker 1); pool has 1",
        }));
    }

    [Test]
    public void A_topology_in_one_l2_domain_is_refused_when_the_machines_are_split()
    {
        var plan = ConfigText.Plan.Replace("roles:", "sameL2Domain: true\n      roles:", StringComparison.Ordinal);
        var set = ConfigText.Load(Profile, Suite, ("scenarios/plans/tiny.yaml", plan), ("pool.yaml", ConfigText.Pool(("m1", "small", "a"), ("m2", "small", "b"))));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "scenarios/plans/tiny.yaml:7:7: cell tiny/small/1cp-1w cannot be admitted: needs 2× small (control-plane 1 + worker 1) in one L2 domain; the largest L2 domain has 1",
        }));
    }

    [Test]
    public void Every_error_of_every_file_is_collected_in_one_pass()
    {
        var set = ConfigText.Load(
            ("hardware-profiles/small.yaml", ConfigText.Profile.Replace("arch: amd64", "arch: risc", StringComparison.Ordinal)),
            ("hardware-profiles/arm.yaml", ConfigText.ArmProfile.Replace("memoryGiB", "memory", StringComparison.Ordinal)),
            ("pool.yaml", "machines:\n  - id: m1\n"),
            ("scenarios/suites/quick.yaml", "name: quick\nstep: []\n"));
        Assert.That(set.Errors.Select(e => $"{e.File}:{e.Line}"), Is.EqualTo(new[]
        {
            "hardware-profiles/arm.yaml:1", "hardware-profiles/arm.yaml:4",
            "hardware-profiles/small.yaml:2",
            "pool.yaml:2", "pool.yaml:2", "pool.yaml:2",
            "scenarios/suites/quick.yaml:1", "scenarios/suites/quick.yaml:2",
        }));
    }

    [Test]
    public void A_validator_that_throws_becomes_an_error_at_the_step()
    {
        var set = ConfigurationLoader.Load([new ConfigFile("scenarios/suites/quick.yaml", ConfigText.Suite)], [new Throwing()]);
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "scenarios/suites/quick.yaml:3:5: probe step 'api-up': settings could not be checked (InvalidCastException: url is not a list)",
        }));
    }

    private sealed class Throwing : IStepValidator
    {
        public string Kind => "probe";

        public IEnumerable<ConfigError> Validate(SuiteStep step, string file, int line, int column) => throw new InvalidCastException("url is not a list");
    }

    private sealed class RequireSetting(string kind, string key) : IStepValidator
    {
        public string Kind => kind;

        public IEnumerable<ConfigError> Validate(SuiteStep step, string file, int line, int column)
        {
            if (!step.Settings.ContainsKey(key)) yield return new ConfigError(file, line, column, $"{kind} step '{step.Name}' needs '{key}'");
        }
    }
}
