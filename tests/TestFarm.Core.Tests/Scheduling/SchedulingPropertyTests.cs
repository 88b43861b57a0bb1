using CsCheck;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;

namespace TestFarm.Core.Tests.Scheduling;

/// <summary>
/// Properties of the scheduler and the lease state machine over generated operation sequences (CsCheck, which shrinks a
/// failure to a minimal sequence): no machine in two active leases, a gang is granted whole or not at all, a released or
/// expired lease gives every machine back, and no priority class starves while the pool has room for it.
/// </summary>
public sealed class SchedulingPropertyTests
{
    private static readonly PolicyOptions Dedicated = new() { Headroom = 0, PeakHeadroom = 0 };
    private static readonly PriorityClass[] Classes = Enum.GetValues<PriorityClass>();

    /// <summary>One operation: kind, then three arguments the kind reads as it needs.</summary>
    private static readonly Gen<(int Kind, int A, int B, int C)[]> Operations =
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, 99], Gen.Int[0, 99], Gen.Int[0, 99]).Array[1, 60];

    [Test]
    public void Leases_never_share_a_machine_gangs_are_whole_and_ended_leases_free_every_machine() =>
        Operations.Sample(ops =>
        {
            var farm = new FarmModel(Dedicated);
            foreach (var (kind, a, b, c) in ops)
            {
                switch (kind)
                {
                    case 0: farm.Submit(a % 2 == 0 ? "x86" : "arm", 1 + b % 4, Classes[c % Classes.Length], $"repo-{c % 3}"); break;
                    case 1: farm.Schedule(); break;
                    case 2: farm.Release(a); break;
                    case 3: farm.Advance(TimeSpan.FromMinutes(5 * (1 + a % 12))); break;
                    default: farm.Clean(); break;
                }
                farm.CheckNoMachineHeldTwice();
            }
            farm.ReleaseAll();
            farm.Clean();
            farm.CheckEveryMachineIsFree();
        }, iter: 300, seed: null);

    [Test]
    public void No_class_starves_while_a_stronger_class_floods_the_pool() =>
        Starvation(Dedicated).Sample(c => c.Waited <= c.Bound, iter: 100);

    [Test]
    public void Without_aging_the_starvation_property_finds_a_starved_request()
    {
        var failure = Assert.Throws<CsCheckException>(() =>
            Starvation(Dedicated with { AgingPerHour = 0 }).Sample(c => c.Waited <= c.Bound, iter: 100));
        Assert.That(failure!.Message, Does.Contain(int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)), "the starved case is reported");
    }

    /// <summary>
    /// A few requests of any class wait at the start; every round (one hour) one fresh request of the strongest class
    /// asks for a whole profile, and every lease ends at the round's end. Each starting request must start within the
    /// rounds aging needs to lift it over the flood, plus one round per request ahead of it.
    /// </summary>
    private static Gen<(int Waited, int Bound, string Trace)> Starvation(PolicyOptions options) =>
        Gen.Select(Gen.Int[0, Classes.Length - 1].Array[1, 4], Gen.Int[1, 4].Array[4], Gen.Int[0, 1].Array[4]).Select((classes, sizes, profiles) =>
        {
            var weights = options.Weights.Values;
            var lift = options.AgingPerHour > 0 ? Math.Ceiling((weights.Max() - weights.Min() + options.FairSharePenalty) / options.AgingPerHour) : 200;
            var bound = (int)Math.Min(lift, 200) + 2 * classes.Length + 2;
            var farm = new FarmModel(options);
            var waiting = new List<string>();
            for (var i = 0; i < classes.Length; i++)
                waiting.Add(farm.Submit(profiles[i] == 0 ? "x86" : "arm", sizes[i], Classes[classes[i]], $"repo-{i}"));
            var round = 0;
            for (; round <= bound && waiting.Count > 0; round++)
            {
                farm.Submit("x86", FarmModel.PerProfile, Classes[0], "flood");
                farm.Submit("arm", FarmModel.PerProfile, Classes[0], "flood");
                foreach (var started in farm.Schedule()) waiting.Remove(started);
                farm.Advance(TimeSpan.FromHours(1));
                farm.ReleaseAll();
                farm.Clean();
            }
            return (Waited: waiting.Count == 0 ? round : int.MaxValue, Bound: bound, Trace: string.Join(",", classes.Select(c => Classes[c])));
        });

    /// <summary>The farm as the scheduler and the lease state machine see it: machines, a queue and leases.</summary>
    private sealed class FarmModel(PolicyOptions options)
    {
        public const int PerProfile = 4;
        private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(30);
        private readonly FarmScheduler _scheduler = SchedulingPool.Scheduler(options);
        private readonly Dictionary<string, MachineRecord> _machines = new[] { "x86", "arm" }
            .SelectMany(p => SchedulingPool.PoolOf(p, PerProfile, l2: "l2a").Take(PerProfile / 2).Concat(SchedulingPool.PoolOf(p, PerProfile / 2, l2: "l2b")))
            .ToDictionary(m => m.Id, StringComparer.Ordinal);
        private readonly List<ReservationRequest> _queue = [];
        private readonly List<Lease> _leases = [];
        private DateTimeOffset _now = SchedulingPool.T0;
        private int _next;

        public string Submit(string profile, int count, PriorityClass priority, string repository)
        {
            var request = SchedulingPool.Req($"r{_next++}", profile, count, priority, TimeSpan.FromHours(1), _now, repository);
            _queue.Add(request);
            return request.Id;
        }

        public IReadOnlyList<string> Schedule()
        {
            var active = _leases.Where(l => l.State == LeaseState.Active).ToList();
            var decision = _scheduler.Decide(new SchedulerInput
            {
                Machines = [.. _machines.Values], Queue = [.. _queue], Now = _now,
                Running = [.. active.Select(l => new RunningHold(l.RequestId, "r", l.Machines, l.GrantedAt + TimeSpan.FromHours(1)))],
            });
            var taken = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in decision.Start)
            {
                var ids = p.Choice.MachineIds;
                Assert.That(ids, Has.Count.EqualTo(p.Request.MachineCount), $"{p.Request.Id}: a gang is granted whole");
                Assert.That(ids, Is.Unique, $"{p.Request.Id}: a machine once per gang");
                foreach (var id in ids)
                {
                    Assert.That(taken.Add(id), Is.True, $"{id} placed twice in one decision");
                    Assert.That(_machines[id].State, Is.EqualTo(MachineState.Available), $"{id} placed for {p.Request.Id} while {_machines[id].State}");
                    Assert.That(_machines[id].Profile, Is.EqualTo(p.Request.Profile), $"{id} is not of {p.Request.Profile}");
                }
                var lease = new Lease
                {
                    Id = $"lease-{p.Request.Id}", Holder = "farm", RequestId = p.Request.Id, Machines = ids, Ttl = Ttl,
                    GrantedAt = _now, ExpiresAt = _now + Ttl,
                };
                _leases.Add(lease);
                foreach (var id in ids) _machines[id] = _machines[id] with { State = MachineState.Reserved, LeaseId = lease.Id };
                _queue.Remove(p.Request);
            }
            return [.. decision.Start.Select(p => p.Request.Id)];
        }

        public void Release(int pick)
        {
            var active = _leases.Where(l => l.State == LeaseState.Active).ToList();
            if (active.Count > 0) End(active[pick % active.Count], l => l.Release("farm", _now, "done"));
        }

        public void ReleaseAll()
        {
            foreach (var lease in _leases.Where(l => l.State == LeaseState.Active).ToList()) End(lease, l => l.Release("farm", _now, "done"));
        }

        /// <summary>Time passes without heartbeats: every lease past its TTL is reaped.</summary>
        public void Advance(TimeSpan by)
        {
            _now += by;
            foreach (var lease in _leases.Where(l => l.IsExpired(_now)).ToList()) End(lease, l => l.Reap(_now));
        }

        private void End(Lease lease, Func<Lease, Lease> end)
        {
            var ended = end(lease);
            Assert.That(ended.State, Is.Not.EqualTo(LeaseState.Active));
            _leases[_leases.IndexOf(lease)] = ended;
            foreach (var id in ended.Machines) _machines[id] = _machines[id] with { State = MachineState.Cleaning, LeaseId = null };
        }

        public void Clean()
        {
            foreach (var m in _machines.Values.Where(m => m.State == MachineState.Cleaning).ToList()) _machines[m.Id] = m with { State = MachineState.Available };
        }

        public void CheckNoMachineHeldTwice()
        {
            var holders = _leases.Where(l => l.State == LeaseState.Active).SelectMany(l => l.Machines.Select(m => (Machine: m, Lease: l.Id)))
                .GroupBy(x => x.Machine).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.Lease))}").ToList();
            Assert.That(holders, Is.Empty, "machines in two active leases");
        }

        /// <summary>After every lease ended and cleaning: every machine Available, and a whole-profile gang starts at once.</summary>
        public void CheckEveryMachineIsFree()
        {
            Assert.That(_machines.Values.Where(m => m.State != MachineState.Available || m.LeaseId is not null).Select(m => m.Id), Is.Empty);
            _queue.Clear();
            var x86 = Submit("x86", PerProfile, PriorityClass.Manual, "check");
            var arm = Submit("arm", PerProfile, PriorityClass.Manual, "check");
            Assert.That(Schedule(), Is.EquivalentTo(new[] { x86, arm }), "every machine of every ended lease can be granted again");
        }
    }
}
