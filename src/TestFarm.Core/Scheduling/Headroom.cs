namespace TestFarm.Core.Scheduling;

/// <summary>
/// Keeps a share of each profile for pull requests: low classes (nightly, manual) may start only while the machines
/// held by everything but pull requests stay within 1 − <see cref="PolicyOptions.Headroom"/> of the profile, and
/// 1 − <see cref="PolicyOptions.PeakHeadroom"/> in peak hours. A low-class request is checked now and, when its expected
/// hold reaches into a peak window, at the first peak instant against the holds expected to be still running then
/// (an overdue hold counts as still running). Releases are never held back; their holds count. A request whose
/// deadline is near may use the off-peak headroom (see <see cref="PolicyOptions.DeadlineHeadroomSlack"/>), never the peak one.
/// </summary>
internal sealed class Headroom
{
    private readonly PolicyOptions _options;
    private readonly SchedulerState _state;
    private readonly DateTimeOffset _now;
    /// <summary>Per profile, the expected ends and machines of the counted requests this decision starts.</summary>
    private readonly Dictionary<string, List<(DateTimeOffset End, int Count)>> _starting = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Profile, DateTimeOffset At), int> _sums = [];

    public Headroom(PolicyOptions options, SchedulerState state)
    {
        _options = options;
        _state = state;
        _now = state.Now;
    }

    /// <summary>
    /// Holds that leave less for the headroom's class: low classes, and classes above the floor (a release
    /// qualification's long gang would otherwise eat the pull requests' share while nightlies keep theirs).
    /// </summary>
    private bool Counts(Plans.PriorityClass p) => !_options.UsesHeadroom(p) || _options.Weight(p) > _options.Weight(_options.HeadroomFloor);

    /// <summary><see cref="Counts"/> per class, worked out once per decision (it runs for every hold a sum looks at).</summary>
    private readonly sbyte[] _counted = new sbyte[8];

    private bool Counted(Plans.PriorityClass p)
    {
        if ((uint)p >= (uint)_counted.Length) return Counts(p);
        if (_counted[(int)p] == 0) _counted[(int)p] = Counts(p) ? (sbyte)1 : (sbyte)-1;
        return _counted[(int)p] > 0;
    }

    private bool Enabled => _options.Headroom > 0 || _options.PeakHeadroom > 0;

    public bool Allows(ReservationRequest r, TimeSpan estimate)
    {
        if (!Enabled || _options.UsesHeadroom(r.Priority) || r.Profile is null) return true;
        var total = _state.Total(r.Profile);
        if (!Fits(r, total, DeadlineAtRisk(r, estimate) ? 0 : _options.Headroom, _now)) return false;
        return _options.FirstPeakInstant(_now, _now + estimate) is not { } peak || Fits(r, total, _options.PeakHeadroom, peak);
    }

    /// <summary>
    /// A request whose slack (deadline − now − estimate) is down to <see cref="PolicyOptions.DeadlineHeadroomSlack"/>
    /// may use the off-peak headroom; the peak headroom stays the pull requests'.
    /// </summary>
    private bool DeadlineAtRisk(ReservationRequest r, TimeSpan estimate) =>
        r.Deadline is { } deadline && deadline - _now - estimate <= _options.DeadlineHeadroomSlack;

    private bool Fits(ReservationRequest r, int total, double share, DateTimeOffset at)
    {
        if (share <= 0) return true;
        return RunningAt(r.Profile!, at) + r.MachineCount <= Math.Max(r.MachineCount, (int)Math.Floor(total * (1 - share)));
    }

    /// <summary>Machines of the profile held (as counted) at <paramref name="at"/>; memoised, since most requests ask about now or the next peak.</summary>
    private int RunningAt(string profile, DateTimeOffset at)
    {
        if (_sums.TryGetValue((profile, at), out var sum)) return sum;
        sum = 0;
        // The counted running holds (an overdue one as ending now), read from the state; then this decision's starts.
        foreach (var h in _state.HoldsOf(profile))
        {
            if ((h.Value.ExpectedEnd > _now ? h.Value.ExpectedEnd : _now) < at || h.Value.Priority is not { } p || !Counted(p)) continue;
            sum += h.Serving(_state, profile);
        }
        if (_starting.TryGetValue(profile, out var starting))
            foreach (var (end, count) in starting)
                if (end >= at) sum += count;
        _sums[(profile, at)] = sum;
        return sum;
    }

    public void Took(ReservationRequest r, GangChoice choice, TimeSpan estimate)
    {
        if (!Enabled || !Counts(r.Priority) || r.Profile is null) return;
        var end = _now + estimate;
        var count = choice.MachineIds.Count;
        if (!_starting.TryGetValue(r.Profile, out var starting)) _starting[r.Profile] = starting = [];
        starting.Add((end, count));
        foreach (var key in _sums.Keys.Where(k => k.Profile == r.Profile && end >= k.At).ToList()) _sums[key] += count;
    }
}
