using TestFarm.Core.Results;

namespace TestFarm.Core.Tests.Results;

public sealed class QuarantineTests
{
    private static readonly TestKey Key = new("uuid-1", "dell-r650", TestKey.FirmwareLabel("2.1", "7.0", "22.1"));
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static List<HistoryEntry> History(string pattern, TestKey? key = null) =>
        pattern.Select((c, i) => new HistoryEntry(key ?? Key, $"run-{i:D3}", T0.AddDays(i), c switch
        {
            'P' => Verdict.Passed, 'F' => Verdict.Failed, 'K' => Verdict.Flaky, 'S' => Verdict.Skipped, _ => Verdict.InfraError,
        })).ToList();

    [TestCase("PPPPPPPPPP", 0.0)]
    [TestCase("FFFFFFFFFF", 0.0)]
    [TestCase("PFPFPFPFPF", 0.9)]
    [TestCase("PPPPPKPPPP", 0.1)]
    [TestCase("PPSSIIPPPP", 0.0)]
    [TestCase("FFFFFPPPPPPPPPP", 0.0)] // the flip is outside the window of 10
    public void FlakinessScore(string pattern, double expected) =>
        Assert.That(Flakiness.Score(History(pattern), window: 10), Is.EqualTo(expected).Within(1e-9));

    [Test]
    public void EntersAboveThresholdAndLeavesWhenSteadyAgain()
    {
        var policy = new QuarantinePolicy { Window = 10, MinRuns = 5, EnterAt = 0.3, LeaveAt = 0.1 };
        var flaky = History("PPFPKPFPPF");
        var update = Quarantine.Update(new HashSet<TestKey>(), flaky, policy);
        Assert.That(update.Entered, Is.EqualTo(new[] { Key }));
        Assert.That(update.Quarantined, Does.Contain(Key));

        // Between thresholds: stays in.
        var middling = History("PPPPPPPFPP");
        Assert.That(Quarantine.Update(update.Quarantined, middling, policy).Quarantined, Does.Contain(Key));

        var steady = History("PPPPPPPPPP");
        var after = Quarantine.Update(update.Quarantined, steady, policy);
        Assert.That(after.Left, Is.EqualTo(new[] { Key }));
        Assert.That(after.Quarantined, Is.Empty);
    }

    [Test]
    public void TooFewRunsNeverEnter() =>
        Assert.That(Quarantine.Update(new HashSet<TestKey>(), History("PFPF"), new QuarantinePolicy()).Entered, Is.Empty);

    [Test]
    public void KeyIsPerProfileAndFirmware()
    {
        var other = Key with { Firmware = TestKey.FirmwareLabel("2.2", "7.0", "22.1") };
        var update = Quarantine.Update(new HashSet<TestKey>(), [.. History("PFPFPFPFPF"), .. History("PPPPPPPPPP", other)], new QuarantinePolicy());
        Assert.That(update.Quarantined, Is.EquivalentTo(new[] { Key }));
        var tests = new[] { new TestResult { TestId = "uuid-1", Name = "n", Suite = "s", Verdict = Verdict.Failed } };
        Assert.That(Quarantine.Apply(tests, update.Quarantined, Key.Profile, Key.Firmware)[0].Quarantined, Is.True);
        Assert.That(Quarantine.Apply(tests, update.Quarantined, other.Profile, other.Firmware)[0].Quarantined, Is.False);
    }

    [Test]
    public void BadThresholdsNameFieldAndValue() =>
        Assert.That(new QuarantinePolicy { EnterAt = 0.2, LeaveAt = 0.5 }.Validate(),
            Is.EqualTo(new[] { "LeaveAt must be in [0, EnterAt=0.2), was 0.5" }));
}
