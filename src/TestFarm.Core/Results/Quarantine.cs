namespace TestFarm.Core.Results;

/// <summary>
/// Thresholds of the automatic quarantine list. A key enters when its flakiness over the last
/// <see cref="Window"/> runs reaches <see cref="EnterAt"/> (with at least <see cref="MinRuns"/> runs seen);
/// it leaves when the score falls to <see cref="LeaveAt"/> or below. The gap keeps keys from flapping.
/// </summary>
public sealed record QuarantinePolicy
{
    public int Window { get; init; } = 10;
    public int MinRuns { get; init; } = 5;
    public double EnterAt { get; init; } = 0.3;
    public double LeaveAt { get; init; } = 0.1;

    /// <summary>Errors in the thresholds, each naming the field and its value; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Window < 1) errors.Add($"Window must be at least 1, was {Window}");
        if (MinRuns < 1 || MinRuns > Window) errors.Add($"MinRuns must be between 1 and Window ({Window}), was {MinRuns}");
        if (EnterAt is <= 0 or > 1) errors.Add($"EnterAt must be in (0, 1], was {EnterAt}");
        if (LeaveAt < 0 || LeaveAt >= EnterAt) errors.Add($"LeaveAt must be in [0, EnterAt={EnterAt}), was {LeaveAt}");
        return errors;
    }
}

/// <summary>The quarantine list after an update, with what changed.</summary>
public sealed record QuarantineUpdate(
    IReadOnlySet<TestKey> Quarantined, IReadOnlyList<TestKey> Entered, IReadOnlyList<TestKey> Left);

public static class Quarantine
{
    /// <summary>Applies the thresholds to every key in <paramref name="history"/>, starting from <paramref name="current"/>.</summary>
    public static QuarantineUpdate Update(IReadOnlySet<TestKey> current, IEnumerable<HistoryEntry> history, QuarantinePolicy policy)
    {
        var errors = policy.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join("; ", errors), nameof(policy));
        var next = new HashSet<TestKey>(current);
        var entered = new List<TestKey>();
        var left = new List<TestKey>();
        foreach (var group in history.GroupBy(h => h.Key).OrderBy(g => g.Key.TestId, StringComparer.Ordinal))
        {
            var score = Flakiness.Score(group, policy.Window);
            var inList = current.Contains(group.Key);
            if (!inList && score >= policy.EnterAt && Flakiness.RelevantRuns(group, policy.Window) >= policy.MinRuns)
            {
                next.Add(group.Key);
                entered.Add(group.Key);
            }
            else if (inList && score <= policy.LeaveAt)
            {
                next.Remove(group.Key);
                left.Add(group.Key);
            }
        }
        return new QuarantineUpdate(next, entered, left);
    }

    /// <summary>Marks the tests whose key (with this cell's profile and firmware) is quarantined.</summary>
    public static IReadOnlyList<TestResult> Apply(IEnumerable<TestResult> tests, IReadOnlySet<TestKey> quarantined,
        string profile, string firmware) =>
        tests.Select(t => quarantined.Contains(new TestKey(t.TestId, profile, firmware)) ? t with { Quarantined = true } : t).ToList();
}
