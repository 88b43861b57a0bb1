using TestFarm.Core.Machines;

namespace TestFarm.Core.Scheduling;

/// <summary>
/// The scheduler's view of the farm kept between decisions and updated by the events a farm has between two of them
/// (a machine registered, freed, taken or changing health; a request enqueued, granted or withdrawn; a hold started or
/// ended; time advanced) instead of rebuilt from a snapshot every round: the free machines per profile (in id order),
/// the cleaning machines, the counts the headroom and the fair share need, the running holds (in the order they started,
/// indexed by the profiles they touch) and the queue in the policy's order of the last decision, which the next decision
/// re-keys and re-sorts from there (see <see cref="FarmScheduler.Decide(SchedulerState)"/>). <see cref="From"/> builds one
/// from a snapshot (the same decisions either way); <see cref="Sync"/> brings one up to date with a snapshot by its changes.
/// Not thread-safe: one caller updates it and decides with it at a time.
/// </summary>
public sealed partial class SchedulerState
{
    private readonly Dictionary<string, MachineRecord> _machines = new(StringComparer.Ordinal);
    /// <summary>Place of each machine in the farm's listing (registration order), for the cleaning machines' order.</summary>
    private readonly Dictionary<string, long> _place = new(StringComparer.Ordinal);
    private long _nextPlace;
    private readonly Dictionary<string, List<MachineRecord>> _free = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedList<long, MachineRecord>> _cleaning = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _total = new(StringComparer.Ordinal);
    private int _pool;
    /// <summary>Bumped when a machine appears, goes, changes profile or retires: the holds' per-profile counts are stale then.</summary>
    private int _shape;

    private readonly Dictionary<string, Hold> _holds = new(StringComparer.Ordinal);
    private readonly List<Hold> _holdOrder = [];
    private readonly Dictionary<string, int> _heldByRepository = new(StringComparer.Ordinal);
    private Dictionary<string, List<Hold>>? _holdsByProfile;

    private readonly Dictionary<string, QueueEntry> _queued = new(StringComparer.Ordinal);
    private readonly List<QueueEntry> _order = [];
    private int _withdrawn;
    private long _nextSeq;

    public DateTimeOffset Now { get; private set; }

    public int QueueCount => _queued.Count;

    /// <summary>A state holding exactly what <paramref name="input"/> says.</summary>
    public static SchedulerState From(SchedulerInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var state = new SchedulerState { Now = input.Now };
        foreach (var m in input.Machines) state.SetMachine(m);
        foreach (var h in input.Running) state.StartHold(h);
        foreach (var r in input.Queue) state.Enqueue(r);
        return state;
    }

    /// <summary>Time advanced (aging, deadlines, overdue holds and peak windows are judged against it).</summary>
    public void AdvanceTo(DateTimeOffset now) => Now = now;

    /// <summary>A machine registered, or its record changed (freed, taken, cleaning, changed health, retired).</summary>
    public void SetMachine(MachineRecord machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        if (_machines.TryGetValue(machine.Id, out var old)) Leave(old);
        else _place[machine.Id] = _nextPlace++;
        _machines[machine.Id] = machine;
        Enter(machine);
        if (old is null || !string.Equals(old.Profile, machine.Profile, StringComparison.Ordinal)
            || (old.State == MachineState.Retired) != (machine.State == MachineState.Retired)) Reshaped();
    }

    /// <summary>A machine left the farm's listing.</summary>
    public void RemoveMachine(string id)
    {
        if (!_machines.Remove(id, out var old)) return;
        Leave(old, _place[id]);
        _place.Remove(id);
        Reshaped();
    }

    /// <summary>A request joined the queue (or its record changed: the new one replaces it, keeping its place).</summary>
    public void Enqueue(ReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_queued.TryGetValue(request.Id, out var entry)) { entry.Request = request; return; }
        entry = new QueueEntry(request, _nextSeq++);
        _queued[request.Id] = entry;
        _order.Add(entry);
    }

    /// <summary>A request left the queue: granted, withdrawn, cancelled or rejected.</summary>
    public void Withdraw(string requestId)
    {
        if (!_queued.Remove(requestId, out var entry)) return;
        entry.Withdrawn = true;
        _withdrawn++;
    }

    /// <summary>A request now holds machines (a grant claimed); a hold of the same request is replaced.</summary>
    public void StartHold(RunningHold hold)
    {
        ArgumentNullException.ThrowIfNull(hold);
        EndHold(hold.RequestId);
        var h = new Hold(hold);
        _holds[hold.RequestId] = h;
        _holdOrder.Add(h);
        _heldByRepository[hold.Repository] = _heldByRepository.GetValueOrDefault(hold.Repository) + hold.Machines.Count;
        // The index by profile stays in start order: a new hold comes last in each of its profiles.
        if (_holdsByProfile is not null)
            foreach (var p in h.Profiles(this)) Own(_holdsByProfile, p).Add(h);
    }

    /// <summary>A request's hold ended (its lease released or reaped).</summary>
    public void EndHold(string requestId)
    {
        if (!_holds.Remove(requestId, out var h)) return;
        _holdOrder.Remove(h);
        Unheld(h.Value);
        if (_holdsByProfile is not null)
            foreach (var p in h.Profiles(this)) _holdsByProfile[p].Remove(h);
    }

    private void Unheld(RunningHold hold)
    {
        var left = _heldByRepository.GetValueOrDefault(hold.Repository) - hold.Machines.Count;
        if (left == 0) _heldByRepository.Remove(hold.Repository);
        else _heldByRepository[hold.Repository] = left;
    }

    private void Reshaped()
    {
        _shape++;
        _holdsByProfile = null;
    }

    private void Enter(MachineRecord m)
    {
        if (m.State != MachineState.Retired)
        {
            _total[m.Profile] = _total.GetValueOrDefault(m.Profile) + 1;
            _pool++;
        }
        if (m.State == MachineState.Available)
        {
            var list = Own(_free, m.Profile);
            var at = Find(list, m.Id);
            list.Insert(at < 0 ? ~at : at, m);
        }
        else if (m.State == MachineState.Cleaning)
        {
            if (!_cleaning.TryGetValue(m.Profile, out var own)) _cleaning[m.Profile] = own = [];
            own[_place[m.Id]] = m;
        }
    }

    private void Leave(MachineRecord m) => Leave(m, _place[m.Id]);

    private void Leave(MachineRecord m, long place)
    {
        if (m.State != MachineState.Retired)
        {
            _total[m.Profile]--;
            _pool--;
        }
        if (m.State == MachineState.Available)
        {
            var list = _free[m.Profile];
            list.RemoveAt(Find(list, m.Id));
        }
        else if (m.State == MachineState.Cleaning) _cleaning[m.Profile].Remove(place);
    }

    /// <summary>Index of the machine in an id-ordered list, or the complement of where it would go.</summary>
    private static int Find(List<MachineRecord> list, string id)
    {
        int lo = 0, hi = list.Count - 1;
        while (lo <= hi)
        {
            var mid = lo + (hi - lo) / 2;
            var c = string.CompareOrdinal(list[mid].Id, id);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    private static List<T> Own<T>(Dictionary<string, List<T>> byProfile, string profile)
    {
        if (!byProfile.TryGetValue(profile, out var list)) byProfile[profile] = list = [];
        return list;
    }
}
