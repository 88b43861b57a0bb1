using TestFarm.Core.Configuration;
namespace TestFarm.Configuration.Tests;

public sealed class PlanRetriesTests
{
    private static ConfigurationSet Load(string plan) =>
        ConfigText.Load(("hardware-profiles/small.yaml", ConfigText.Profile), ("scenarios/suites/quick.yaml", ConfigText.Suite), ("scenarios/plans/tiny.yaml", plan));

    [Test]
    public void A_plan_retries_a_lost_cell_once_unless_it_says_otherwise()
    {
        Assert.That(Load(ConfigText.Plan).Plan("tiny")!.Retries, Is.EqualTo(1));
        Assert.That(Load(ConfigText.Plan + "\nretries: 3\n").Plan("tiny")!.Retries, Is.EqualTo(3));
        Assert.That(Load(ConfigText.Plan + "\nretries: 0\n").Plan("tiny")!.Retries, Is.Zero);
    }

    [Test]
    public void Retries_out_of_range_are_refused_naming_file_line_and_value()
    {
        Assert.That(ConfigText.Messages(Load(ConfigText.Plan + "\nretries: 9\n")),
            Is.EqualTo(new[] { "scenarios/plans/tiny.yaml:13:10: 'retries' must be 0 to 5, was 9" }));
        Assert.That(ConfigText.Messages(Load(ConfigText.Plan + "\nretries: -1\n")).Single(), Does.StartWith("scenarios/plans/tiny.yaml:13:10: 'retries'"));
    }
}
