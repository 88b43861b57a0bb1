using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>
/// The farm of <c>bench decide</c> between two decisions, as the broker sees it: the last decision's grants are claimed
/// (requests leave the queue, their machines go in use, their holds start), as many new requests arrive, holds whose
/// expected end has come end (machines to cleaning), machines cleaned for <see cref="PolicyOptions.CleaningDuration"/>
/// come back, one machine changes health, and time advances by <see cref="Step"/>. Each event goes to the scheduler's
/// state as it happens; <see cref="Snapshot"/> lists the farm as a store would (fresh records), for the synced path.
/// </summary>
internal sealed class DecideFarm(SchedulerState state, Func<int, ReservationRequest> newRequest, Random rng)
{
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Cleaning = new PolicyOptions().CleaningDuration;

    private readonly SortedDictionary<string, MachineRecord> _machines = new(StringComparer.Ordinal);
    private readonly List<RunningHold> _holds = [];
    private readonly List<ReservationRequest> _queue = [];
    private readonly Dictionary<string, DateTimeOffset> _cleaningSince = new(StringComparer.Ordinal);
    private int _next;

    public DateTimeOffset Now { get; private set; }

    /// <summary>Events applied so far.</summary>
    public long Events { get; private set; }

    public void Load(SchedulerInput input, int nextRequest)
    {
        foreach (var m in input.Machines) _machines[m.Id] = m;
        _holds.AddRange(input.Running);
        _queue.AddRange(input.Queue);
        Now = input.Now;
        _next = nextRequest;
    }

    public SchedulerInput Snapshot() => new()
    {
        Machines = [.. _machines.Values.Select(m => m with { })],
        Queue = [.. _queue],
        Running = [.. _holds.Select(h => h with { Machines = [.. h.Machines] })],
        Now = Now,
    };

    /// <summary>Everything that happens until the next decision, after <paramref name="decision"/>.</summary>
    public void Between(SchedulingDecision decision)
    {
        foreach (var p in decision.Start) Grant(p);
        for (var i = 0; i < decision.Start.Count; i++) Enqueue(newRequest(_next++));
        Now += Step;
        state.AdvanceTo(Now);
        Events++;
        foreach (var h in _holds.Where(h => h.ExpectedEnd <= Now).ToList()) End(h);
        foreach (var (id, since) in _cleaningSince.Where(c => c.Value + Cleaning <= Now).ToList())
        {
            _cleaningSince.Remove(id);
            Set(_machines[id] with { State = MachineState.Available });
        }
        var m = _machines.Values.ElementAt(rng.Next(_machines.Count));
        if (m.State == MachineState.Available) Set(m with { State = MachineState.Suspect });
        else if (m.State == MachineState.Suspect) Set(m with { State = MachineState.Available });
    }

    private void Grant(Placement p)
    {
        _queue.Remove(p.Request);
        state.Withdraw(p.Request.Id);
        Events++;
        foreach (var id in p.Choice.MachineIds) Set(_machines[id] with { State = MachineState.InUse });
        var hold = new RunningHold(p.Request.Id, p.Request.Repository, p.Choice.MachineIds, Now + p.Estimate) { Priority = p.Request.Priority };
        _holds.Add(hold);
        state.StartHold(hold);
        Events++;
    }

    private void Enqueue(ReservationRequest r)
    {
        r = r with { SubmittedAt = Now };
        _queue.Add(r);
        state.Enqueue(r);
        Events++;
    }

    private void End(RunningHold h)
    {
        _holds.Remove(h);
        state.EndHold(h.RequestId);
        Events++;
        foreach (var id in h.Machines)
        {
            if (_machines[id].State != MachineState.InUse) continue;
            Set(_machines[id] with { State = MachineState.Cleaning });
            _cleaningSince[id] = Now;
        }
    }

    private void Set(MachineRecord m)
    {
        _machines[m.Id] = m;
        state.SetMachine(m);
        Events++;
    }
}
