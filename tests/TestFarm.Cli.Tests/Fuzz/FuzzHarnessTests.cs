using System.Text;
using TestFarm.Cli.Commands.Fuzz;

namespace TestFarm.Cli.Tests.Fuzz;

/// <summary>
/// The harness itself, on deliberately broken parsers: it catches a planted exception and writes the reproducer (which
/// replays to the same crash), flags unbounded, placeless and type-naming messages, and mutates the same way for the
/// same seed.
/// </summary>
public sealed class FuzzHarnessTests
{
    private string _crashes = null!;

    [SetUp]
    public void Folder() => _crashes = Path.Combine(Path.GetTempPath(), "testfarm-fuzz-harness-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void Clean()
    {
        if (Directory.Exists(_crashes)) Directory.Delete(_crashes, recursive: true);
    }

    /// <summary>A parser with a planted bug: any '#' in the input makes it index past its buffer.</summary>
    private static readonly FuzzTarget Broken = new()
    {
        Name = "planted", Description = "a parser that crashes on '#'", DocumentedError = "none",
        Dictionary = ["#"], NamesPlace = m => m.StartsWith("fuzz-input:", StringComparison.Ordinal),
        Run = input =>
        {
            var buffer = new int[1];
            if (Array.IndexOf(input, (byte)'#') >= 0) _ = buffer[input.Length + 1];
            return input.Length == 0 ? "fuzz-input:1:1: empty" : null;
        },
    };

    private static readonly byte[][] Seeds = [Encoding.UTF8.GetBytes("key: value\nother: 1\n")];

    [Test]
    public void A_planted_crash_is_caught_with_its_seed_and_case_and_its_reproducer_is_written_and_replays()
    {
        var report = FuzzHarness.Run(Broken, Seeds, new FuzzSettings { Seed = 7, Iterations = 500, CrashDirectory = _crashes }, TimeProvider.System);

        Assert.That(report.Cases, Is.EqualTo(500));
        Assert.That(report.CrashCases, Is.GreaterThan(0));
        var crash = report.Crashes[0];
        Assert.That(crash.Kind, Is.EqualTo("exception"));
        Assert.That(crash.Detail, Does.StartWith("System.IndexOutOfRangeException"));
        Assert.That(crash.Seed, Is.EqualTo(7));
        Assert.That(report.Crashes, Has.Count.EqualTo(1), "one planted bug, one distinct crash");
        Assert.That(crash.ReproducerPath, Is.EqualTo(Path.Combine(_crashes, $"crash-planted-7-{crash.Case}.bin")));
        var saved = File.ReadAllBytes(crash.ReproducerPath!);
        Assert.That(saved, Is.EqualTo(crash.Input));
        Assert.That(saved, Does.Contain((byte)'#'));
        Assert.That(File.ReadAllText(crash.ReproducerPath![..^4] + ".txt"), Does.Contain($"seed 7, case {crash.Case}").And.Contain("IndexOutOfRangeException"));
        Assert.That(FuzzHarness.RunOne(Broken, saved).CrashKind, Is.EqualTo("exception"), "the reproducer replays the crash");
    }

    [Test]
    public void The_same_seed_finds_the_same_crash_at_the_same_case()
    {
        var first = FuzzHarness.Run(Broken, Seeds, new FuzzSettings { Seed = 11, Iterations = 300 }, TimeProvider.System);
        var again = FuzzHarness.Run(Broken, Seeds, new FuzzSettings { Seed = 11, Iterations = 300 }, TimeProvider.System);
        var other = FuzzHarness.Run(Broken, Seeds, new FuzzSettings { Seed = 12, Iterations = 300 }, TimeProvider.System);

        Assert.That(again.Crashes.Select(c => (c.Case, Convert.ToBase64String(c.Input))), Is.EqualTo(first.Crashes.Select(c => (c.Case, Convert.ToBase64String(c.Input)))));
        Assert.That(other.Crashes.Select(c => Convert.ToBase64String(c.Input)), Is.Not.EqualTo(first.Crashes.Select(c => Convert.ToBase64String(c.Input))));
    }

    [TestCase("fuzz-input:1:1: " + "x", null)]
    [TestCase("it went wrong", "no place")]
    [TestCase("fuzz-input:3:4: cannot convert to System.Int32", "type name")]
    [TestCase("fuzz-input:3:4: the JSON value could not be converted to TestFarm.Server.Api.TriggerBody", "type name")]
    public void A_rejection_is_judged_by_its_place_and_its_words(string message, string? crashKind)
    {
        var target = Broken with { Run = _ => message };

        Assert.That(FuzzHarness.RunOne(target, [1]).CrashKind, Is.EqualTo(crashKind));
    }

    [Test]
    public void A_rejection_longer_than_the_bound_is_a_crash()
    {
        var target = Broken with { Run = input => "fuzz-input:1:1: unexpected " + Encoding.UTF8.GetString(input), MaxMessage = 100 };

        Assert.That(FuzzHarness.RunOne(target, Encoding.UTF8.GetBytes(new string('a', 50))).Crashed, Is.False);
        var outcome = FuzzHarness.RunOne(target, Encoding.UTF8.GetBytes(new string('a', 5000)));
        Assert.That(outcome.CrashKind, Is.EqualTo("unbounded message"));
        Assert.That(outcome.CrashDetail, Does.StartWith("5027 characters (at most 100)"));
    }

    [Test]
    public void A_run_bounded_by_time_stops_when_the_clock_says_so()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var cases = 0;
        var target = Broken with { Run = _ => { if (++cases == 40) time.Advance(TimeSpan.FromSeconds(2)); return null; } };

        var report = FuzzHarness.Run(target, Seeds, new FuzzSettings { Seed = 1, Duration = TimeSpan.FromSeconds(1) }, time);

        Assert.That(report.Cases, Is.EqualTo(40));
    }
}
