using System.Runtime.InteropServices;
using TestFarm.Core.Machines;

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
    private readonly DateTimeOffset _now;
    private readonly Dictionary<string, int> _total = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(DateTimeOffset End, int Count)>> _low = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Profile, DateTimeOffset At), int> _sums = [];

    public Headroom(PolicyOptions options, SchedulerInput input, IReadOnlyDictionary<string, MachineRecord> byId)
    {
        _options = options;
        _now = input.Now;
        if (!Enabled) return;
        // One look-up per machine (CollectionsMarshal's ref): this runs over the whole pool every decision.
        foreach (var m in input.Machines)
            if (m.State != MachineState.Retired) CollectionsMarshal.GetValueRefOrAddDefault(_total, m.Profile, out _)++;
        var perProfile = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var h in input.Running)
        {
            if (h.Priority is not { } p || !Counts(p)) continue;
            var end = h.ExpectedEnd > _now ? h.ExpectedEnd : _now;
            perProfile.Clear();
            foreach (var id in h.Machines)
                if (byId.TryGetValue(id, out var m) && m.State != MachineState.Retired) CollectionsMarshal.GetValueRefOrAddDefault(perProfile, m.Profile, out _)++;
            foreach (var (profile, count) in perProfile) Low(profile).Add((end, count));
        }
    }

    /// <summary>
    /// Holds that leave less for the headroom's class: low classes, and classes above the floor (a release
    /// qualification's long gang would otherwise eat the pull requests' share while nightlies keep theirs).
    /// </summary>
    private bool Counts(Plans.PriorityClass p) => !_options.UsesHeadroom(p) || _options.Weight(p) > _options.Weight(_options.HeadroomFloor);

    private bool Enabled => _options.Headroom > 0 || _options.PeakHeadroom > 0;

    public bool Allows(ReservationRequest r, TimeSpan estimate)
    {
        if (!Enabled || _options.UsesHeadroom(r.Priority) || r.Profile is null) return true;
        var total = _total.GetValueOrDefault(r.Profile);
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
        sum = _low.TryGetValue(profile, out var list) ? list.Where(h => h.End >= at).Sum(h => h.Count) : 0;
        _sums[(profile, at)] = sum;
        return sum;
    }

    public void Took(ReservationRequest r, GangChoice choice, TimeSpan estimate)
    {
        if (!Enabled || !Counts(r.Priority) || r.Profile is null) return;
        var end = _now + estimate;
        var count = choice.MachineIds.Count;
        Low(r.Profile).Add((end, count));
        foreach (var key in _sums.Keys.Where(k => k.Profile == r.Profile && end >= k.At).ToList()) _sums[key] += count;
    }

    private List<(DateTimeOffset End, int Count)> Low(string profile)
    {
        if (!_low.TryGetValue(profile, out var list)) _low[profile] = list = [];
        return list;
    }
}
