namespace TestFarm.Core.HandsOn;

/// <summary>The farm's rules for hands-on reservations.</summary>
public sealed record HandsOnPolicy
{
    /// <summary>Duration when the request names none. Default 2 h.</summary>
    public TimeSpan DefaultDuration { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Longest total duration (asked, or after extensions) without an admin. Default 8 h.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromHours(8);

    /// <summary>Shortest duration asked or added. Default 1 min.</summary>
    public TimeSpan MinDuration { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long before the end the page and the API warn. Default 15 min.</summary>
    public TimeSpan WarningBefore { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Longest reason kept. Default 500 characters.</summary>
    public int MaxReason { get; init; } = 500;

    /// <summary>Every problem of the policy, naming the option and its value.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (MinDuration <= TimeSpan.Zero) problems.Add($"MinDuration must be positive, was {MinDuration}");
        if (MaxDuration < MinDuration) problems.Add($"MaxDuration must be at least MinDuration ({MinDuration}), was {MaxDuration}");
        if (DefaultDuration < MinDuration || DefaultDuration > MaxDuration)
            problems.Add($"DefaultDuration must be {MinDuration} to {MaxDuration}, was {DefaultDuration}");
        if (WarningBefore < TimeSpan.Zero) problems.Add($"WarningBefore must not be negative, was {WarningBefore}");
        if (MaxReason is < 1 or > 10_000) problems.Add($"MaxReason must be 1 to 10000, was {MaxReason}");
        return problems;
    }
}
