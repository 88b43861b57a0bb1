using Microsoft.Extensions.Options;
using TestFarm.Core.Leases;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Orchestration.Reservations;
using TestFarm.Storage.Sql;
using TestFarm.Testing;
using static TestFarm.Orchestration.Tests.Reservations.ReservationTestPool;

namespace TestFarm.Orchestration.Tests.Reservations;

/// <summary>
/// The reservation broker of <see cref="StoreCellReservations"/>: waiting cells do not poll; a submit or a release here
/// starts a round at once, another instance's release is noticed on the round interval, and ended requests are pruned.
/// Rounds are counted as the reads of the open requests a round starts with.
/// </summary>
[CancelAfter(60_000)]
public sealed class ReservationBrokerTests
{
    private static readonly Plan PrPlan = new()
    {
        Name = "pr", Priority = PriorityClass.PullRequest,
        Trigger = new PlanTrigger { Kind = TriggerKind.PullRequest }, Matrix = new PlanMatrix(),
        Cluster = new ClusterSpec { Deployer = "lab", KubernetesVersion = "1.32.3" },
    };

    private static MatrixCell Cell(string name) => new()
    {
        Id = $"pr/x86/{name}", Plan = "pr", Profile = "x86",
        Topology = new Topology { Name = name, Roles = [new TopologyRole { Name = "control-plane", Count = 1 }, new TopologyRole { Name = "worker", Count = 1 }] },
    };

    /// <summary>A SQLite farm store with a pool of two machines, shared by the instances a test makes.</summary>
    private sealed class Farm : IDisposable
    {
        private readonly TempDirectory _dir = new();
        private readonly List<StoreCellReservations> _instances = [];
        public FakeTimeProvider Time { get; } = new();
        public SqlFarmStore Store { get; private set; } = null!;

        public static async Task<Farm> StartAsync()
        {
            var farm = new Farm();
            farm.Store = await SqlFarmStore.OpenSqliteAsync(farm._dir.File("farm.db"), farm.Time);
            await new ReservationService(Scheduler(), farm.Store, farm.Store, farm.Store, farm.Time).RegisterPoolAsync(Pool(2));
            return farm;
        }

        /// <summary>One farm instance; its rounds are counted by <paramref name="queue"/>.</summary>
        public StoreCellReservations Instance(string holder, CountingQueue queue, ReservationSettings? settings = null)
        {
            var service = new ReservationService(Scheduler(), Store, Store, queue, Time);
            var instance = new StoreCellReservations(service, new ReservationStores(Store, Store, queue), Pool(2), Profiles,
                settings ?? new ReservationSettings { Holder = holder }, Time, (_, _) => Task.FromResult(false));
            _instances.Add(instance);
            return instance;
        }

        public void Dispose()
        {
            foreach (var instance in _instances) instance.Dispose();
            _dir.Dispose();
        }
    }

    /// <summary>Waits (bounded, in real time) for a condition the broker's own thread makes true.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(20)) Assert.Fail($"not within 20 s: {what}");
            await FakeTimeProvider.LetQueuedWorkRunAsync();
        }
    }

    private static async Task LetWorkRunAsync()
    {
        for (var i = 0; i < 20; i++) await FakeTimeProvider.LetQueuedWorkRunAsync();
    }

    [Test]
    public async Task Waiting_cells_do_not_poll_and_a_release_grants_the_next_one_with_no_time_passing()
    {
        using var farm = await Farm.StartAsync();
        var rounds = new CountingQueue(farm.Store);
        var reservations = farm.Instance("farm-a", rounds).ForRun("run-1");
        var holding = await reservations.ReserveAsync(Cell("holder"), PrPlan, CancellationToken.None);
        var waiting = new List<Task<CellLease>>();
        for (var i = 0; i < 6; i++)
        {
            waiting.Add(reservations.ReserveAsync(Cell($"w{i}"), PrPlan, CancellationToken.None));
            farm.Time.Advance(TimeSpan.FromMilliseconds(1));
        }
        await EventuallyAsync(async () => (await farm.Store.ListAsync(RequestState.Queued)).Count == 6, "six cells queued");
        await LetWorkRunAsync();

        var before = rounds.Rounds;
        const int seconds = 60;
        for (var i = 0; i < seconds; i++)
        {
            farm.Time.Advance(TimeSpan.FromSeconds(1));
            await LetWorkRunAsync();
        }
        var idle = rounds.Rounds - before;
        await TestContext.Out.WriteLineAsync($"{idle} rounds in {seconds} s of fake time with six cells waiting");
        // Polling cells ran a round each per second: 6 x 60. The broker runs one per interval whatever waits.
        Assert.That(idle, Is.AtMost(seconds + 1), $"{idle} rounds in {seconds} s with six cells waiting");
        // And it does run on time passing alone (on a loaded machine a round in flight may have spanned the whole minute above,
        // so this waits on the condition, one fake second per step, bounded).
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (rounds.Rounds == before)
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(20)) Assert.Fail("the broker ran no round on time passing within 20 s");
            farm.Time.Advance(TimeSpan.FromSeconds(1));
            await LetWorkRunAsync();
        }
        Assert.That(waiting.Count(w => w.IsCompleted), Is.Zero, "no machine was free");

        var atRelease = rounds.Rounds;
        await reservations.ReleaseAsync(holding, new Dictionary<string, string>(), CancellationToken.None);
        var next = await Task.WhenAny(waiting).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(next, Is.SameAs(waiting[0]), "the oldest waiting cell goes first");
        Assert.That((await next).Machines.Select(m => m.Machine.Id), Is.EquivalentTo(holding.Machines.Select(m => m.Machine.Id)));
        Assert.That(rounds.Rounds - atRelease, Is.InRange(1, 2), "the release started a round at once");
        Assert.That(waiting.Count(w => w.IsCompleted), Is.EqualTo(1));
    }

    [Test]
    public async Task Another_instances_release_is_noticed_on_the_next_round_interval()
    {
        using var farm = await Farm.StartAsync();
        var (roundsA, roundsB) = (new CountingQueue(farm.Store), new CountingQueue(farm.Store));
        var a = farm.Instance("farm-a", roundsA).ForRun("run-a");
        var b = farm.Instance("farm-b", roundsB).ForRun("run-b");
        var held = await b.ReserveAsync(Cell("b"), PrPlan, CancellationToken.None);
        var waiting = a.ReserveAsync(Cell("a"), PrPlan, CancellationToken.None);
        await EventuallyAsync(async () => (await farm.Store.GetAsync("run-a/pr/x86/a"))?.State == RequestState.Queued && roundsA.Rounds > 0, "farm-a's cell queued and tried");
        await LetWorkRunAsync();

        await b.ReleaseAsync(held, new Dictionary<string, string>(), CancellationToken.None);
        await LetWorkRunAsync();
        Assert.That(waiting.IsCompleted, Is.False, "farm-b's release starts farm-b's rounds only, and no cell waits there");
        Assert.That(roundsB.Rounds, Is.EqualTo(1), "farm-b ran a round for its own submit only");

        var granted = await farm.Time.DriveAsync(waiting, TimeSpan.FromSeconds(1), fakeLimit: TimeSpan.FromSeconds(3));
        Assert.That(granted.Machines.Select(m => m.Machine.Id), Is.EquivalentTo(held.Machines.Select(m => m.Machine.Id)));
    }

    [Test]
    public async Task The_broker_prunes_requests_ended_longer_than_the_retention_ago()
    {
        using var farm = await Farm.StartAsync();
        var settings = new ReservationSettings { Holder = "farm-a", RequestRetention = TimeSpan.FromHours(1), PruneInterval = TimeSpan.FromMinutes(1) };
        var queue = new CountingQueue(farm.Store);
        var instance = farm.Instance("farm-a", queue, settings);
        var reservations = instance.ForRun("run-1");
        var lease = await reservations.ReserveAsync(Cell("a"), PrPlan, CancellationToken.None);
        await reservations.ReleaseAsync(lease, new Dictionary<string, string>(), CancellationToken.None);
        var ended = farm.Time.GetUtcNow();
        Assert.That((await farm.Store.GetAsync("run-1/pr/x86/a"))?.State, Is.EqualTo(RequestState.Done));

        // Fake time moves a minute only after the broker's prune of the minute before has run (a loaded machine may take a
        // while to run the broker's loop; fake time must not outrun it). The broker may not have armed its next interval
        // timer yet when time moves (it arms it after its round), so the minute's turn is asked for with a kick, as a new
        // request would: the prune is due by the clock either way.
        async Task NextMinuteAsync()
        {
            var before = queue.Prunes;
            farm.Time.Advance(TimeSpan.FromMinutes(1));
            instance.Kick();
            await EventuallyAsync(() => Task.FromResult(queue.Prunes > before), "the broker's prune of this minute");
        }
        for (var minute = 0; minute < 59; minute++) await NextMinuteAsync();
        Assert.That(await farm.Store.GetAsync("run-1/pr/x86/a"), Is.Not.Null, "kept for the retention");

        // Then minute by minute until the broker has pruned it (bounded in fake time: one prune interval past the retention).
        while (await farm.Store.GetAsync("run-1/pr/x86/a") is not null)
        {
            if (farm.Time.GetUtcNow() - ended > TimeSpan.FromHours(1) + TimeSpan.FromMinutes(2)) Assert.Fail("not pruned a prune interval after the retention");
            await NextMinuteAsync();
        }
        Assert.That(farm.Time.GetUtcNow() - ended, Is.GreaterThan(TimeSpan.FromHours(1)));
    }

    [Test]
    public async Task Stopping_the_broker_fails_the_waiting_cells_naming_the_instance()
    {
        using var farm = await Farm.StartAsync();
        var instance = farm.Instance("farm-a", new CountingQueue(farm.Store));
        await instance.StartAsync(CancellationToken.None);
        var reservations = instance.ForRun("run-1");
        await reservations.ReserveAsync(Cell("holder"), PrPlan, CancellationToken.None);
        var waiting = reservations.ReserveAsync(Cell("waiting"), PrPlan, CancellationToken.None);
        await EventuallyAsync(async () => (await farm.Store.GetAsync("run-1/pr/x86/waiting")) is not null, "the second cell queued");

        await instance.StopAsync(CancellationToken.None);

        Assert.That(async () => await waiting.WaitAsync(TimeSpan.FromSeconds(20)),
            Throws.InvalidOperationException.With.Message.EqualTo("the reservation broker of farm-a has stopped"));
    }

    [Test]
    public async Task Settings_out_of_range_are_refused_naming_each_setting_and_value()
    {
        using var farm = await Farm.StartAsync();
        var e = Assert.Throws<OptionsValidationException>(() => farm.Instance("farm-a", new CountingQueue(farm.Store),
            new ReservationSettings { Holder = "farm-a", RoundInterval = TimeSpan.FromMilliseconds(10), RequestRetention = TimeSpan.Zero }));
        Assert.That(e!.Failures, Is.EqualTo(new[]
        {
            "RoundInterval must be 00:00:00.0500000 to 00:05:00, was 00:00:00.0100000",
            "RequestRetention must be 01:00:00 to 3650.00:00:00, was 00:00:00",
        }));
    }

    /// <summary>Counts the scheduling rounds: each starts by reading the open requests.</summary>
    internal sealed class CountingQueue(IRequestQueue inner) : IRequestQueue
    {
        private int _rounds;
        public int Rounds => Volatile.Read(ref _rounds);

        public Task<IReadOnlyList<QueuedRequest>> ListOpenAsync(CancellationToken ct = default)
        {
            Interlocked.Increment(ref _rounds);
            return inner.ListOpenAsync(ct);
        }

        public Task EnqueueAsync(ReservationRequest request, CancellationToken ct = default) => inner.EnqueueAsync(request, ct);
        public Task SetStateAsync(string requestId, RequestState state, string? reason, string? leaseId = null, CancellationToken ct = default) =>
            inner.SetStateAsync(requestId, state, reason, leaseId, ct);
        public Task<IReadOnlyList<QueuedRequest>> ListAsync(RequestState? state = null, CancellationToken ct = default) => inner.ListAsync(state, ct);
        public Task<QueuedRequest?> GetAsync(string requestId, CancellationToken ct = default) => inner.GetAsync(requestId, ct);
        public Task<IReadOnlyList<QueuedRequest>> ListOpenOfRunAsync(string runId, CancellationToken ct = default) => inner.ListOpenOfRunAsync(runId, ct);
        private int _prunes;
        public int Prunes => Volatile.Read(ref _prunes);

        public async Task<int> PruneEndedAsync(DateTimeOffset endedBefore, CancellationToken ct = default)
        {
            var pruned = await inner.PruneEndedAsync(endedBefore, ct);
            Interlocked.Increment(ref _prunes);
            return pruned;
        }
    }
}
