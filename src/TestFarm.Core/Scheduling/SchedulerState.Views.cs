using TestFarm.Core.Machines;

namespace TestFarm.Core.Scheduling;

/// <summary>What a decision reads from the state, and the queue's order kept between decisions.</summary>
public sealed partial class SchedulerState
{
    /// <summary>A running hold, with the profiles of its machines and its machines per profile not retired.</summary>
    internal sealed class Hold(RunningHold value)
    {
        private int _shape = -1;
        private readonly List<string> _profiles = [];
        private readonly Dictionary<string, int> _serving = new(StringComparer.Ordinal);

        public RunningHold Value { get; } = value;

        /// <summary>The profiles of its known machines, in the order its machines are listed.</summary>
        public List<string> Profiles(SchedulerState state)
        {
            Refresh(state);
            return _profiles;
        }

        /// <summary>Its machines of <paramref name="profile"/> that are not retired.</summary>
        public int Serving(SchedulerState state, string profile)
        {
            Refresh(state);
            return _serving.GetValueOrDefault(profile);
        }

        private void Refresh(SchedulerState state)
        {
            if (_shape == state._shape) return;
            _shape = state._shape;
            _profiles.Clear();
            _serving.Clear();
            foreach (var id in Value.Machines)
            {
                if (!state._machines.TryGetValue(id, out var m)) continue;
                if (!_profiles.Contains(m.Profile, StringComparer.Ordinal)) _profiles.Add(m.Profile);
                if (m.State != MachineState.Retired) _serving[m.Profile] = _serving.GetValueOrDefault(m.Profile) + 1;
            }
        }
    }

    /// <summary>A queued request and its score in the last decision.</summary>
    internal sealed class QueueEntry(ReservationRequest request, long seq)
    {
        public ReservationRequest Request { get; set; } = request;
        public long Seq { get; } = seq;
        public double Score { get; set; }
        public bool Withdrawn { get; set; }
    }

    internal bool TryGetMachine(string id, out MachineRecord machine) => _machines.TryGetValue(id, out machine!);

    /// <summary>Machines of each profile not retired.</summary>
    internal int Total(string profile) => _total.GetValueOrDefault(profile);

    /// <summary>Machines not retired.</summary>
    internal int PoolSize => _pool;

    internal IReadOnlyDictionary<string, int> HeldByRepository => _heldByRepository;

    /// <summary>The free machines of each profile, in id order; a decision borrows the lists and copies one before it changes it.</summary>
    internal Dictionary<string, List<MachineRecord>> FreeByProfile => _free;

    /// <summary>The running holds with a machine of <paramref name="profile"/> (all with null), in the order they started.</summary>
    internal IReadOnlyList<Hold> HoldsOf(string? profile)
    {
        if (profile is null) return _holdOrder;
        if (_holdsByProfile is null)
        {
            _holdsByProfile = new Dictionary<string, List<Hold>>(StringComparer.Ordinal);
            foreach (var h in _holdOrder)
                foreach (var p in h.Profiles(this)) Own(_holdsByProfile, p).Add(h);
        }
        return _holdsByProfile.TryGetValue(profile, out var list) ? list : [];
    }

    /// <summary>The cleaning machines of <paramref name="profile"/> (all with null), in the farm's listing order.</summary>
    internal IEnumerable<MachineRecord> CleaningOf(string? profile)
    {
        if (profile is not null) return _cleaning.TryGetValue(profile, out var own) ? own.Values : [];
        return _cleaning.Values.SelectMany(l => l).OrderBy(kv => kv.Key).Select(kv => kv.Value);
    }

    /// <summary>
    /// The queue in the policy's order now: every request re-scored with <paramref name="score"/>, then the order of the
    /// last decision repaired by insertion (between two decisions few requests change places: new ones, those of a
    /// repository whose share changed, deadlines drawing near), or sorted afresh when too many moved.
    /// Ties: earlier submission first, then request id, then the earlier enqueued.
    /// </summary>
    internal List<QueueEntry> Rank(Func<ReservationRequest, double> score)
    {
        if (_withdrawn > 0)
        {
            _order.RemoveAll(e => e.Withdrawn);
            _withdrawn = 0;
        }
        foreach (var e in _order) e.Score = score(e.Request);
        var budget = 8 * _order.Count + 64;
        for (var i = 1; i < _order.Count; i++)
        {
            var e = _order[i];
            var j = i - 1;
            if (Compare(_order[j], e) <= 0) continue;
            for (; j >= 0 && Compare(_order[j], e) > 0; j--)
            {
                _order[j + 1] = _order[j];
                if (--budget >= 0) continue;
                _order[j] = e; // keeps every entry once; the sort below puts them in order
                _order.Sort(Compare);
                return _order;
            }
            _order[j + 1] = e;
        }
        return _order;
    }

    private static int Compare(QueueEntry a, QueueEntry b)
    {
        var c = b.Score.CompareTo(a.Score);
        if (c != 0) return c;
        c = a.Request.SubmittedAt.CompareTo(b.Request.SubmittedAt);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Request.Id, b.Request.Id);
        return c != 0 ? c : a.Seq.CompareTo(b.Seq);
    }
}
