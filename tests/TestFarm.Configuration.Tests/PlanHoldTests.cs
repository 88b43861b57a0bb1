using TestFarm.Core.Configuration;
namespace TestFarm.Configuration.Tests;

public sealed class PlanHoldTests
{
    private static ConfigurationSet Load(string plan) =>
        ConfigText.Load(("hardware-profiles/small.yaml", ConfigText.Profile), ("scenarios/suites/quick.yaml", ConfigText.Suite), ("scenarios/plans/tiny.yaml", plan));

    [Test]
    public void A_plan_holds_a_failed_cell_for_the_named_person_only_when_it_says_so()
    {
        var none = Load(ConfigText.Plan).Plan("tiny")!;
        Assert.That((none.HoldOnFailure, none.HoldFor), Is.EqualTo(((TimeSpan?)null, (string?)null)));
        var held = Load(ConfigText.Plan + "\nhold_on_failure: 2h\nhold_for: oncall\n").Plan("tiny")!;
        Assert.That((held.HoldOnFailure, held.HoldFor), Is.EqualTo(((TimeSpan?)TimeSpan.FromHours(2), (string?)"oncall")));
    }

    [Test]
    public void A_hold_over_the_cap_bad_or_without_a_person_is_refused_naming_file_line_and_field()
    {
        Assert.That(ConfigText.Messages(Load(ConfigText.Plan + "\nhold_on_failure: 9h\nhold_for: oncall\n")),
            Is.EqualTo(new[] { "scenarios/plans/tiny.yaml:13:18: 'hold_on_failure' must be at most the hands-on cap 08:00:00, was 09:00:00" }));
        Assert.That(ConfigText.Messages(Load(ConfigText.Plan + "\nhold_on_failure: soon\nhold_for: oncall\n")),
            Is.EqualTo(new[] { "scenarios/plans/tiny.yaml:13:18: 'hold_on_failure' must be a duration like 30m, 2h or 1h30m, was 'soon'" }));
        Assert.That(ConfigText.Messages(Load(ConfigText.Plan + "\nhold_on_failure: 2h\n")).Single(),
            Does.StartWith("scenarios/plans/tiny.yaml:13:18: 'hold_on_failure' needs 'hold_for'"));
        Assert.That(ConfigText.Messages(Load(ConfigText.Plan + "\nhold_for: oncall\n")).Single(),
            Does.StartWith("scenarios/plans/tiny.yaml:13:11: 'hold_for' needs 'hold_on_failure'"));
        Assert.That(ConfigText.Messages(Load(ConfigText.Plan + "\nhold_on_failure: 2h\nhold_for: " + new string('x', 300) + "\n")).Single(),
            Does.StartWith("scenarios/plans/tiny.yaml:14:11: 'hold_for' must be an API token name (1 to 100 characters, no spaces)").And.Length.LessThan(200));
    }
}
