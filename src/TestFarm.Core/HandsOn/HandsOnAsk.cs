using System.Globalization;

namespace TestFarm.Core.HandsOn;

/// <summary>What a person asks for, as sent: a profile and count, or a cell to be like; optional build, duration, reason.</summary>
public sealed record HandsOnAsk
{
    public string? Profile { get; init; }
    public int? Count { get; init; }
    public string? Duration { get; init; }
    public string? Reason { get; init; }
    public string? LikeCell { get; init; }
    public string? Build { get; init; }
    public bool DeployCluster { get; init; }
}

/// <summary>A field of an ask at fault and why.</summary>
public sealed record HandsOnFieldError(string Field, string Message);

/// <summary>What a cell named by <c>likeCell</c> was: its profile, machine count, build and machines.</summary>
public sealed record CellLikeness(string Profile, int Count, string? Build, IReadOnlyList<string> Machines);

/// <summary>Checks an ask against the policy and the pool; every problem, each naming its field. Pure.</summary>
public static class HandsOnAskValidator
{
    /// <summary>Longest build id or likeCell accepted.</summary>
    public const int MaxId = 200;

    /// <summary>
    /// The reservation's profile, count, build and duration, or the errors. <paramref name="machinesByProfile"/> counts the
    /// pool's serviceable machines per profile; <paramref name="likeCell"/> is what the named cell was (null when unknown).
    /// </summary>
    public static (string Profile, int Count, string? Build, TimeSpan Duration, IReadOnlyList<HandsOnFieldError> Errors) Check(
        HandsOnAsk ask, HandsOnPolicy policy, IReadOnlyDictionary<string, int> machinesByProfile, CellLikeness? likeCell, bool admin)
    {
        ArgumentNullException.ThrowIfNull(ask);
        ArgumentNullException.ThrowIfNull(policy);
        var errors = new List<HandsOnFieldError>();
        var profile = ask.Profile;
        var count = ask.Count;
        var build = ask.Build;
        if (ask.LikeCell is { } like)
        {
            if (like.Length > MaxId || !like.Contains('/', StringComparison.Ordinal)) errors.Add(new("likeCell", $"likeCell must be '<runId>/<cellId>' (at most {MaxId} characters)"));
            else if (likeCell is null) errors.Add(new("likeCell", $"no cell '{like}' is known"));
            else
            {
                profile ??= likeCell.Profile;
                count ??= likeCell.Count;
                build ??= likeCell.Build;
            }
        }
        else if (profile is null) errors.Add(new("profile", "profile is required (or likeCell)"));
        count ??= 1;
        if (profile is not null && errors.Count == 0)
        {
            if (!machinesByProfile.TryGetValue(profile, out var have)) errors.Add(new("profile", $"unknown profile '{Cut(profile)}'; the pool has {string.Join(", ", machinesByProfile.Keys.Order(StringComparer.Ordinal))}"));
            else if (count < 1) errors.Add(new("count", $"count must be at least 1, was {count}"));
            else if (count > have) errors.Add(new("count", $"count {count} is more than the {have} machine(s) of profile {profile}"));
        }
        if (build is { Length: > MaxId }) errors.Add(new("build", $"build must be at most {MaxId} characters, was {build.Length}"));
        var duration = policy.DefaultDuration;
        if (ask.Duration is { } text)
        {
            if (!TryParseDuration(text, out duration)) errors.Add(new("duration", $"duration must be hh:mm:ss (or like 90m, 2h), was '{Cut(text)}'"));
            else if (duration < policy.MinDuration) errors.Add(new("duration", $"duration must be at least {policy.MinDuration}, was {duration}"));
            else if (duration > policy.MaxDuration && !admin) errors.Add(new("duration", $"duration {duration} is over the policy cap {policy.MaxDuration} (an admin may go beyond)"));
        }
        if (string.IsNullOrWhiteSpace(ask.Reason)) errors.Add(new("reason", "reason is required: say why you need the machines"));
        else if (ask.Reason.Length > policy.MaxReason) errors.Add(new("reason", $"reason must be at most {policy.MaxReason} characters, was {ask.Reason.Length}"));
        return (profile ?? "", count ?? 1, build, duration, errors);
    }

    /// <summary>Checks an extension of a reservation already lasting <paramref name="current"/>: the added time, within the cap unless admin.</summary>
    public static (TimeSpan More, HandsOnFieldError? Error) CheckExtension(string? text, TimeSpan current, HandsOnPolicy policy, bool admin)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (text is null) return (default, new("duration", "duration is required, e.g. \"00:30:00\""));
        if (!TryParseDuration(text, out var more)) return (default, new("duration", $"duration must be hh:mm:ss (or like 30m, 1h), was '{Cut(text)}'"));
        if (more < policy.MinDuration) return (default, new("duration", $"duration must be at least {policy.MinDuration}, was {more}"));
        if (current + more > policy.MaxDuration && !admin)
            return (default, new("duration", $"the reservation would last {current + more}, over the policy cap {policy.MaxDuration}; an admin may extend beyond it"));
        return (more, null);
    }

    /// <summary><c>hh:mm:ss</c> (or <c>d.hh:mm:ss</c>), or a number with <c>m</c> or <c>h</c>; up to 30 days.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 32) return false;
        var t = text.Trim();
        if (t.Length > 1 && (t[^1] is 'm' or 'h') && double.TryParse(t[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n is > 0 and < 1e6)
            duration = t[^1] == 'm' ? TimeSpan.FromMinutes(n) : TimeSpan.FromHours(n);
        else if (!t.Contains(':', StringComparison.Ordinal) || !TimeSpan.TryParseExact(t, "c", CultureInfo.InvariantCulture, out duration)) return false;
        return duration > TimeSpan.Zero && duration <= TimeSpan.FromDays(30);
    }

    private static string Cut(string value) => value.Length <= 60 ? value : value[..60] + "…";
}
