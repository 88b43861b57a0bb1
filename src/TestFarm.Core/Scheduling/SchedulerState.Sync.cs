namespace TestFarm.Core.Scheduling;

/// <summary>
/// Bringing the state up to date with a snapshot when the stores give no changes: each record is compared with the
/// one held (a look-up and an equality per machine, request and hold) and only what differs is applied, so the free
/// lists, counts and the queue's order are not rebuilt. Afterwards the state decides as <see cref="From"/> of the
/// snapshot would.
/// </summary>
public sealed partial class SchedulerState
{
    private int _generation;
    private readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);

    public void Sync(SchedulerInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Now = input.Now;
        SyncMachines(input);
        SyncHolds(input);
        SyncQueue(input);
    }

    private void SyncMachines(SchedulerInput input)
    {
        var added = false;
        foreach (var m in input.Machines)
        {
            if (_machines.TryGetValue(m.Id, out var held))
            {
                if (!held.Equals(m)) SetMachine(m);
                continue;
            }
            added = true;
            SetMachine(m);
        }
        if (!added && _machines.Count == input.Machines.Count) return;
        // Machines came or went: the listing's order is the snapshot's again (it orders the cleaning machines).
        var listed = new HashSet<string>(input.Machines.Count, StringComparer.Ordinal);
        foreach (var m in input.Machines) listed.Add(m.Id);
        foreach (var id in _machines.Keys.Where(id => !listed.Contains(id)).ToList()) RemoveMachine(id);
        var places = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var m in input.Machines) places.TryAdd(m.Id, places.Count);
        foreach (var own in _cleaning.Values) own.Clear();
        foreach (var (id, place) in places)
        {
            _place[id] = place;
            if (_machines[id] is { State: Machines.MachineState.Cleaning } m) _cleaning[m.Profile][place] = m;
        }
        _nextPlace = places.Count;
    }

    private void SyncHolds(SchedulerInput input)
    {
        var changed = _holds.Count != input.Running.Count;
        foreach (var h in input.Running)
        {
            if (_holds.TryGetValue(h.RequestId, out var held) && Same(held.Value, h)) continue;
            changed = true;
            break;
        }
        if (!changed) return;
        // The holds are listed in the snapshot's order again; unchanged ones keep their cached profiles and counts.
        var kept = new Dictionary<string, Hold>(_holds, StringComparer.Ordinal);
        _holds.Clear();
        _holdOrder.Clear();
        _heldByRepository.Clear();
        foreach (var h in input.Running)
        {
            var hold = kept.TryGetValue(h.RequestId, out var was) && Same(was.Value, h) ? was : new Hold(h);
            _holds[h.RequestId] = hold;
            _holdOrder.Add(hold);
            _heldByRepository[h.Repository] = _heldByRepository.GetValueOrDefault(h.Repository) + h.Machines.Count;
        }
        _holdsByProfile = null;
    }

    private static bool Same(RunningHold a, RunningHold b) =>
        ReferenceEquals(a, b) || (a.RequestId == b.RequestId && a.Repository == b.Repository && a.ExpectedEnd == b.ExpectedEnd
            && a.Priority == b.Priority && a.Machines.SequenceEqual(b.Machines, StringComparer.Ordinal));

    private void SyncQueue(SchedulerInput input)
    {
        _generation++;
        foreach (var r in input.Queue)
        {
            _seen[r.Id] = _generation;
            if (!_queued.TryGetValue(r.Id, out var entry)) Enqueue(r);
            else if (!ReferenceEquals(entry.Request, r)) entry.Request = r;
        }
        if (_queued.Count == input.Queue.Count) return;
        foreach (var id in _queued.Keys.Where(id => _seen.GetValueOrDefault(id) != _generation).ToList())
        {
            Withdraw(id);
            _seen.Remove(id);
        }
    }
}
