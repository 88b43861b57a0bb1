namespace TestFarm.Core.Scheduling;

/// <summary>
/// Deadlines of requests: the instant a local time of day means, and how urgent a request is against its own.
/// </summary>
public static class Deadlines
{
    /// <summary>First instant after <paramref name="after"/> whose local time (at <paramref name="utcOffset"/>) is <paramref name="local"/>.</summary>
    public static DateTimeOffset Next(TimeOnly local, DateTimeOffset after, TimeSpan utcOffset)
    {
        var at = after.ToOffset(utcOffset);
        var candidate = new DateTimeOffset(DateOnly.FromDateTime(at.DateTime), local, utcOffset);
        return candidate > after ? candidate : candidate.AddDays(1);
    }

    /// <summary>Latest start that still ends by the deadline with this estimate; null without a deadline.</summary>
    public static DateTimeOffset? LatestStart(ReservationRequest r, TimeSpan estimate) => r.Deadline is { } d ? d - estimate : null;

    /// <summary>
    /// Score a request gains from its deadline, earliest deadline first: nothing while the deadline is more than
    /// <see cref="PolicyOptions.DeadlineHorizon"/> away, rising linearly to <see cref="PolicyOptions.DeadlineWeight"/>
    /// at the deadline and on (up to twice that) past it. Cells of one run share a deadline, so they keep their
    /// order among themselves (ordering them by slack, longest first, packs gangs worse).
    /// </summary>
    public static double Urgency(ReservationRequest r, DateTimeOffset now, PolicyOptions options)
    {
        if (r.Deadline is not { } deadline || options.DeadlineWeight <= 0) return 0;
        var share = 1 - (deadline - now) / options.DeadlineHorizon;
        return options.DeadlineWeight * Math.Clamp(share, 0, 2);
    }
}
