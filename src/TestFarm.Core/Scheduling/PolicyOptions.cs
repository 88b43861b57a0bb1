using TestFarm.Core.Plans;

namespace TestFarm.Core.Scheduling;

/// <summary>Knobs of the farm's scheduling policy. Defaults suit a farm of tens to hundreds of machines.</summary>
public sealed record PolicyOptions
{
    /// <summary>
    /// Base score per priority class. A person's hands-on reservation (<see cref="PriorityClass.Interactive"/>, 40) leans
    /// towards the person: it passes a fresh nightly (10), and a nightly passes it only after waiting 3 h longer (aging,
    /// 10 per hour), so nobody waits for hours behind a night's cells; it never passes a fresh pull request (100) and,
    /// through fair share (each person is their own repository), one person holding much of the pool falls behind others.
    /// </summary>
    public IReadOnlyDictionary<PriorityClass, double> Weights { get; init; } = new Dictionary<PriorityClass, double>
    {
        [PriorityClass.ReleaseQualification] = 1000,
        [PriorityClass.PullRequest] = 100,
        [PriorityClass.Interactive] = 40,
        [PriorityClass.Nightly] = 10,
        [PriorityClass.Manual] = 1,
    };

    /// <summary>Score gained per hour of waiting (starvation aging). Default 10: a nightly passes a fresh PR after 9 h.</summary>
    public double AgingPerHour { get; init; } = 10;

    /// <summary>Score lost per unit of the pool a repository already holds (0..1 share × this). Default 60.</summary>
    public double FairSharePenalty { get; init; } = 60;

    /// <summary>Hold time assumed when neither history nor the plan says. Default 2 h.</summary>
    public TimeSpan DefaultDuration { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Time a Cleaning machine needs before it is Available again. Default 15 min.</summary>
    public TimeSpan CleaningDuration { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Score a request with a deadline gains as the deadline comes within <see cref="DeadlineHorizon"/>
    /// (see <see cref="Deadlines.Urgency"/>). Default 80: a nightly at its deadline passes fresh manual requests and
    /// nightlies without one, not a pull request. 0 disables.
    /// </summary>
    public double DeadlineWeight { get; init; } = 80;

    /// <summary>Time before a deadline from which it starts to count. Default 12 h.</summary>
    public TimeSpan DeadlineHorizon { get; init; } = TimeSpan.FromHours(12);

    /// <summary>
    /// Slack (deadline − now − estimate) from which a request with a deadline may use the off-peak
    /// <see cref="Headroom"/>: planning backwards, the cells a deadline needs start on every machine the pull requests
    /// do not need at night. The <see cref="PeakHeadroom"/> is never lent. Default 8 h; a negative value never lends.
    /// </summary>
    public TimeSpan DeadlineHeadroomSlack { get; init; } = TimeSpan.FromHours(8);

    /// <summary>Use EASY backfill; false gives strict priority order (a blocked head blocks all).</summary>
    public bool Backfill { get; init; } = true;

    /// <summary>
    /// Share of each profile's machines kept for pull requests off-peak: requests below <see cref="HeadroomFloor"/>
    /// (nightly, manual) may start only while everything but pull requests holds at most 1 − this share. Default 0.1
    /// (few pull requests arrive off-peak; <see cref="PeakHeadroom"/> covers working hours); 0 disables.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0.0, 0.9)]
    public double Headroom { get; init; } = 0.1;

    /// <summary>
    /// Headroom during peak hours (<see cref="PeakStartHour"/>..<see cref="PeakEndHour"/> on <see cref="PeakDays"/>), when
    /// pull requests arrive. A low-class request whose expected hold overlaps a peak window may start only if the low
    /// classes then still running (by their expected ends) leave this share free. Default 0.5; 0 disables.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0.0, 0.9)]
    public double PeakHeadroom { get; init; } = 0.5;

    /// <summary>First hour of the peak window, in <see cref="PeakUtcOffset"/> local time. Default 9.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 23)]
    public int PeakStartHour { get; init; } = 9;

    /// <summary>Hour the peak window ends (exclusive). Default 18.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 24)]
    public int PeakEndHour { get; init; } = 18;

    /// <summary>Days with a peak window. Default Monday to Friday.</summary>
    public IReadOnlySet<DayOfWeek> PeakDays { get; init; } = new HashSet<DayOfWeek>
    {
        DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday,
    };

    /// <summary>Offset of the team's local time from UTC, for the peak window. Default zero (UTC).</summary>
    public TimeSpan PeakUtcOffset { get; init; } = TimeSpan.Zero;

    /// <summary>First instant of [from, to) inside a peak window, or null when the interval misses them all.</summary>
    public DateTimeOffset? FirstPeakInstant(DateTimeOffset from, DateTimeOffset to)
    {
        if (PeakHeadroom <= 0 || PeakEndHour <= PeakStartHour || to <= from) return null;
        var local = from.ToOffset(PeakUtcOffset);
        var day = new DateTimeOffset(local.Date, PeakUtcOffset);
        for (var i = 0; i < 15 && day < to; i++, day = day.AddDays(1))
        {
            if (!PeakDays.Contains(day.DayOfWeek)) continue;
            var start = day.AddHours(PeakStartHour);
            var end = day.AddHours(PeakEndHour);
            if (start < to && end > from) return start > from ? start : from;
        }
        return null;
    }

    /// <summary>Lowest class that may use the headroom. Default PullRequest.</summary>
    public PriorityClass HeadroomFloor { get; init; } = PriorityClass.PullRequest;

    /// <summary>Every problem of these options, each naming the option and its value; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Headroom is < 0 or > 0.9) problems.Add($"Headroom must be between 0 and 0.9, was {Headroom}");
        if (PeakHeadroom is < 0 or > 0.9) problems.Add($"PeakHeadroom must be between 0 and 0.9, was {PeakHeadroom}");
        if (PeakStartHour is < 0 or > 23) problems.Add($"PeakStartHour must be 0..23, was {PeakStartHour}");
        if (PeakEndHour is < 1 or > 24) problems.Add($"PeakEndHour must be 1..24, was {PeakEndHour}");
        if (PeakHeadroom > 0 && PeakEndHour <= PeakStartHour) problems.Add($"PeakEndHour must be after PeakStartHour ({PeakStartHour}), was {PeakEndHour}");
        if (PeakUtcOffset.Duration() > TimeSpan.FromHours(14)) problems.Add($"PeakUtcOffset must be within ±14h, was {PeakUtcOffset}");
        if (AgingPerHour < 0) problems.Add($"AgingPerHour must not be negative, was {AgingPerHour}");
        if (DeadlineWeight < 0) problems.Add($"DeadlineWeight must not be negative, was {DeadlineWeight}");
        if (DeadlineHorizon <= TimeSpan.Zero) problems.Add($"DeadlineHorizon must be positive, was {DeadlineHorizon}");
        if (CleaningDuration < TimeSpan.Zero) problems.Add($"CleaningDuration must not be negative, was {CleaningDuration}");
        return problems;
    }

    public bool UsesHeadroom(PriorityClass p) => Weight(p) >= Weight(HeadroomFloor);

    public double Weight(PriorityClass p) => Weights.TryGetValue(p, out var w) ? w : 0;
}

/// <summary>Expected hold time of a request.</summary>
public interface IDurationEstimator
{
    TimeSpan Estimate(ReservationRequest request);
}

/// <summary>
/// Median of past hold times per plan × profile (the newest <see cref="Window"/> of them); without history the
/// request's own estimate (the farm sets it from the plan's phase deadlines), else the fallback. Safe to share
/// between threads: the farm refreshes the history while the API asks for estimates.
/// </summary>
public sealed class HistoryDurationEstimator(TimeSpan fallback) : IDurationEstimator
{
    /// <summary>Hold times kept per plan × profile.</summary>
    public const int Window = 101;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string, string), TimeSpan> _median = [];
    private readonly Dictionary<(string, string), List<TimeSpan>> _history = [];

    public void Record(string plan, string profile, TimeSpan duration)
    {
        lock (_gate)
        {
            if (!_history.TryGetValue((plan, profile), out var list)) _history[(plan, profile)] = list = [];
            list.Add(duration);
            if (list.Count > Window) list.RemoveAt(0);
            _median[(plan, profile)] = Median(list);
        }
    }

    /// <summary>Replaces the history of one plan × profile, e.g. with the durations of the cells a store recorded.</summary>
    public void Replace(string plan, string profile, IReadOnlyList<TimeSpan> durations)
    {
        ArgumentNullException.ThrowIfNull(durations);
        lock (_gate)
        {
            var list = durations.Take(Window).ToList();
            _history[(plan, profile)] = list;
            if (list.Count > 0) _median[(plan, profile)] = Median(list);
            else _median.Remove((plan, profile));
        }
    }

    public TimeSpan Estimate(ReservationRequest request)
    {
        lock (_gate)
        {
            if (_median.TryGetValue((request.Plan, request.Profile ?? ""), out var median)) return median;
        }
        return request.EstimatedDuration ?? fallback;
    }

    private static TimeSpan Median(List<TimeSpan> list)
    {
        var sorted = list.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
