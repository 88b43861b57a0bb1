using TestFarm.Core.Provisioning;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

/// <summary>The machines' health history (<c>machine_health</c>), the same on SQLite and PostgreSQL.</summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
public sealed class HealthHistoryTests(StoreKind kind)
{
    private StoreTarget _target = null!;
    private FakeTimeProvider _time = null!;
    private SqlFarmStore _store = null!;

    [SetUp]
    public async Task SetUp()
    {
        _target = await StoreTarget.CreateAsync(kind);
        _time = new FakeTimeProvider();
        _store = await _target.OpenStoreAsync(_time);
        await _store.RegisterAsync(TestPool.Machines(x86: 2, arm: 0));
    }

    [TearDown]
    public async Task TearDown() => await _target.DisposeAsync();

    private HealthRecord Record(string machine, MachineHealth health, params HealthCheckResult[] checks) =>
        new() { MachineId = machine, At = _time.GetUtcNow(), Health = health, Checks = checks };

    [Test]
    public async Task Rounds_are_kept_newest_first_with_their_checks_and_the_newest_of_each_machine_is_at_hand()
    {
        var suspect = new MachineHealth { Grade = HealthGrade.Suspect, ConsecutiveFailures = 1, Blamed = HealthComponent.Bmc, LastFailure = "bmc-reachable: no answer within 00:00:30" };
        await _store.RecordHealthAsync(Record("x86-000", suspect,
            new HealthCheckResult("bmc-reachable", false, HealthComponent.Bmc, "no answer within 00:00:30")));
        _time.Advance(TimeSpan.FromMinutes(10));
        var quarantined = suspect with { Grade = HealthGrade.Quarantined, ConsecutiveFailures = 3 };
        await _store.RecordHealthAsync(Record("x86-000", quarantined, new HealthCheckResult("bmc-reachable", false, HealthComponent.Bmc, "refused")));
        await _store.RecordHealthAsync(Record("x86-001", new MachineHealth { ConsecutivePasses = 4 },
            new HealthCheckResult("bmc-reachable", true), new HealthCheckResult("inventory", true)));

        var history = await _store.ReadHealthAsync("x86-000");
        Assert.That(history.Select(h => h.Health), Is.EqualTo(new[] { quarantined, suspect }));
        Assert.That(history[1].Checks.Single(), Is.EqualTo(new HealthCheckResult("bmc-reachable", false, HealthComponent.Bmc, "no answer within 00:00:30")));
        Assert.That(history[0].At - history[1].At, Is.EqualTo(TimeSpan.FromMinutes(10)));
        Assert.That(await _store.ReadHealthAsync("x86-000", limit: 1), Has.Count.EqualTo(1));

        var latest = await _store.LatestHealthAsync();
        Assert.That(latest.Keys, Is.EquivalentTo(new[] { "x86-000", "x86-001" }));
        Assert.That(latest["x86-000"].Health, Is.EqualTo(quarantined));
        Assert.That(latest["x86-001"].Checks.Select(c => c.Check), Is.EqualTo(new[] { "bmc-reachable", "inventory" }));
        Assert.That(latest["x86-001"].Health.ConsecutivePasses, Is.EqualTo(4));
    }

    [Test]
    public async Task Records_older_than_the_retention_go_when_the_machine_gets_a_new_one_and_an_unknown_machine_is_refused()
    {
        await _store.RecordHealthAsync(Record("x86-000", MachineHealth.Healthy));
        await _store.RecordHealthAsync(Record("x86-001", MachineHealth.Healthy));
        _time.Advance(IHealthHistory.Retention + TimeSpan.FromDays(1));
        await _store.RecordHealthAsync(Record("x86-000", new MachineHealth { ConsecutivePasses = 2 }));

        Assert.That((await _store.ReadHealthAsync("x86-000")).Select(h => h.Health.ConsecutivePasses), Is.EqualTo(new[] { 2 }));
        Assert.That(await _store.ReadHealthAsync("x86-001"), Has.Count.EqualTo(1), "another machine's history waits for its own next round");
        var unknown = Assert.ThrowsAsync<KeyNotFoundException>(() => _store.RecordHealthAsync(Record("nope", MachineHealth.Healthy)));
        Assert.That(unknown!.Message, Does.Contain("no machine 'nope'"));
    }
}
