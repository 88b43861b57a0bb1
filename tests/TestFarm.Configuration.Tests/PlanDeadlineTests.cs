using TestFarm.Core.Configuration;

namespace TestFarm.Configuration.Tests;

public sealed class PlanDeadlineTests
{
    private static readonly (string, string) Profile = ("hardware-profiles/small.yaml", ConfigText.Profile);
    private static readonly (string, string) Suite = ("scenarios/suites/quick.yaml", ConfigText.Suite);

    private static ConfigurationSet WithDeadline(string line) =>
        ConfigText.Load(Profile, Suite, ("scenarios/plans/tiny.yaml", ConfigText.Plan + "\n" + line + "\n"));

    [Test]
    public void A_plan_says_by_when_its_results_are_wanted()
    {
        var set = WithDeadline("deadline: \"08:00\"");
        Assert.That(ConfigText.Messages(set), Is.Empty);
        Assert.That(set.Plan("tiny")!.Deadline, Is.EqualTo(new TimeOnly(8, 0)));
        Assert.That(ConfigText.Load(Profile, Suite, ("scenarios/plans/tiny.yaml", ConfigText.Plan)).Plan("tiny")!.Deadline, Is.Null);
    }

    [TestCase("deadline: \"8am\"", "8am")]
    [TestCase("deadline: \"24:00\"", "24:00")]
    [TestCase("deadline: \"07:60\"", "07:60")]
    public void A_deadline_that_is_not_a_time_of_day_is_reported_at_its_place(string line, string shown)
    {
        var set = WithDeadline(line);
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            $"scenarios/plans/tiny.yaml:13:11: 'deadline' must be a time of day like 08:00 (HH:MM, 24-hour, in the farm's time zone), was '{shown}'",
        }));
    }

    [Test]
    public void A_long_bad_deadline_is_shortened_in_the_message()
    {
        var set = WithDeadline("deadline: " + new string('x', 500));
        var message = ConfigText.Messages(set).Single();
        Assert.That(message, Does.StartWith("scenarios/plans/tiny.yaml:13:11: 'deadline' must be a time of day"));
        Assert.That(message.Length, Is.LessThan(200));
    }
}
