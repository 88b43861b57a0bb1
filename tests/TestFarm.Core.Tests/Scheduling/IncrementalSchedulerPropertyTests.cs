using CsCheck;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;

namespace TestFarm.Core.Tests.Scheduling;

/// <summary>
/// The state kept between decisions decides as a snapshot does: random sequences of a farm's events (requests enqueued
/// and withdrawn, grants claimed, holds ending, machines cleaned, changing health, retiring and registering, time
/// advancing) go to a <see cref="SchedulerState"/> as events and to a second one as snapshots (<see cref="SchedulerState.Sync"/>),
/// and every round both decide exactly as <see cref="FarmScheduler.Decide(SchedulerInput)"/> on the farm's snapshot:
/// the same placements on the same machines, the same head reservation, the same order.
/// </summary>
public sealed class IncrementalSchedulerPropertyTests
{
    private static readonly string?[] Profiles = ["x86", "arm", "x86", "arm", null];
    private static readonly string[] Domains = ["l2a", "l2b", "l2c"];
    private static readonly string[] Repositories = ["repo-a", "repo-b", "repo-c"];
    private static readonly PolicyOptions[] Policies =
    [
        new(), new() { Headroom = 0.3, PeakHeadroom = 0.6 }, new() { Backfill = false }, new() { Headroom = 0, PeakHeadroom = 0, DeadlineWeight = 0 },
    ];

    [Test]
    public void Events_and_snapshots_give_the_same_decisions_every_round() =>
        Gen.Int.Sample(seed => new Farm(seed).Run(rounds: 30), iter: 400);

    /// <summary>The farm as its stores list it, and the two states fed from it.</summary>
    private sealed class Farm
    {
        private readonly int _seed;
        private readonly Random _rng;
        private readonly FarmScheduler _scheduler;
        private readonly SortedDictionary<string, MachineRecord> _machines = new(StringComparer.Ordinal);
        private readonly List<RunningHold> _holds = [];
        private readonly List<ReservationRequest> _queue = [];
        private readonly SchedulerState _events;
        private readonly SchedulerState _synced;
        private DateTimeOffset _now = SchedulingPool.T0;
        private int _nextMachine;
        private int _nextRequest;

        public Farm(int seed)
        {
            _seed = seed;
            _rng = new Random(seed);
            _scheduler = SchedulingPool.Scheduler(Policies[_rng.Next(Policies.Length)]);
            for (var i = _rng.Next(4, 30); i > 0; i--) AddMachine();
            _events = SchedulerState.From(Snapshot());
            _synced = SchedulerState.From(Snapshot());
        }

        public void Run(int rounds)
        {
            for (var round = 0; round < rounds; round++)
            {
                for (var n = _rng.Next(1, 6); n > 0; n--) Event();
                _synced.Sync(Snapshot());
                var expected = _scheduler.Decide(Snapshot());
                var place = $"seed {_seed}, round {round}";
                Assert.That(Text(_scheduler.Decide(_events)), Is.EqualTo(Text(expected)), place + ": events");
                Assert.That(Text(_scheduler.Decide(_synced)), Is.EqualTo(Text(expected)), place + ": snapshots");
                foreach (var p in expected.Start) Grant(p);
            }
        }

        private SchedulerInput Snapshot() => new() { Machines = [.. _machines.Values], Queue = [.. _queue], Running = [.. _holds], Now = _now };

        private static string Text(SchedulingDecision d) =>
            string.Join(" | ", d.Start.Select(p => $"{p.Request.Id}{(p.Backfilled ? "(b)" : "")}:{string.Join(",", p.Choice.Assignments)}"))
            + $" || head {d.Reservation?.RequestId} at {d.Reservation?.Start:O} on {string.Join(",", d.Reservation?.Machines ?? [])} || order {string.Join(",", d.Order)}";

        private void Event()
        {
            switch (_rng.Next(9))
            {
                case 0 or 1: Enqueue(); break;
                case 2 when _queue.Count > 0: Withdraw(_queue[_rng.Next(_queue.Count)].Id); break;
                case 3 when _holds.Count > 0: EndHold(_holds[_rng.Next(_holds.Count)]); break;
                case 4: Cleaned(); break;
                case 5: HealthChange(); break;
                case 6 when _rng.Next(4) == 0: AddMachine(); break;
                default: Advance(); break;
            }
        }

        private void AddMachine()
        {
            var m = new MachineRecord
            {
                Id = $"m{_nextMachine++:D3}", Profile = _rng.Next(2) == 0 ? "x86" : "arm", L2Domain = Domains[_rng.Next(Domains.Length)],
                State = _rng.Next(5) == 0 ? MachineState.Cleaning : MachineState.Available,
            };
            SetMachine(m);
        }

        private void SetMachine(MachineRecord m)
        {
            _machines[m.Id] = m;
            _events?.SetMachine(m);
        }

        private void Enqueue()
        {
            var profile = Profiles[_rng.Next(Profiles.Length)];
            var selector = _rng.Next(5) == 0 ? new Dictionary<string, string> { ["nics.driver"] = "ice" } : new Dictionary<string, string>();
            var preferred = _rng.Next(6) == 0 ? _machines.Keys.Where(_ => _rng.Next(4) == 0).ToList() : null;
            var r = new ReservationRequest
            {
                Id = $"r{_nextRequest++:D3}", Plan = "p", Profile = profile, Priority = (PriorityClass)_rng.Next(5), Repository = Repositories[_rng.Next(Repositories.Length)],
                SubmittedAt = _now - TimeSpan.FromMinutes(_rng.Next(-30, 600)),
                EstimatedDuration = _rng.Next(4) == 0 ? null : TimeSpan.FromMinutes(10 + _rng.Next(600)),
                Deadline = _rng.Next(3) == 0 ? _now + TimeSpan.FromMinutes(_rng.Next(-60, 16 * 60)) : null,
                Spares = _rng.Next(6) == 0 ? 1 : 0, PreferredMachines = preferred,
                Topology = new Topology
                {
                    Name = "t", SameL2Domain = _rng.Next(4) == 0,
                    Roles = [new TopologyRole { Name = "node", Count = 1 + _rng.Next(6), Selector = new Selector { Match = selector } }],
                },
            };
            _queue.Add(r);
            _events.Enqueue(r);
        }

        private void Withdraw(string id)
        {
            _queue.RemoveAll(r => r.Id == id);
            _events.Withdraw(id);
        }

        private void Grant(Placement p)
        {
            Withdraw(p.Request.Id);
            foreach (var id in p.Choice.MachineIds) SetMachine(_machines[id] with { State = MachineState.InUse });
            var hold = new RunningHold(p.Request.Id, p.Request.Repository, p.Choice.MachineIds, _now + p.Estimate) { Priority = p.Request.Priority };
            _holds.Add(hold);
            _events.StartHold(hold);
        }

        private void EndHold(RunningHold hold)
        {
            _holds.Remove(hold);
            _events.EndHold(hold.RequestId);
            foreach (var id in hold.Machines)
                if (_machines[id].State == MachineState.InUse) SetMachine(_machines[id] with { State = MachineState.Cleaning });
        }

        private void Cleaned()
        {
            foreach (var m in _machines.Values.Where(m => m.State == MachineState.Cleaning && _rng.Next(2) == 0).ToList())
                SetMachine(m with { State = MachineState.Available });
        }

        /// <summary>Any machine, held or not, may turn suspect, be quarantined, retire or come back.</summary>
        private void HealthChange()
        {
            var m = _machines.Values.ElementAt(_rng.Next(_machines.Count));
            MachineState[] states = [MachineState.Suspect, MachineState.Quarantined, MachineState.Retired, MachineState.Available];
            SetMachine(m with { State = states[_rng.Next(states.Length)] });
        }

        /// <summary>Minutes to a day: aging, deadlines, overdue holds and peak windows move.</summary>
        private void Advance()
        {
            _now += TimeSpan.FromMinutes(_rng.Next(3) == 0 ? _rng.Next(60, 24 * 60) : _rng.Next(1, 60));
            _events.AdvanceTo(_now);
        }
    }
}
