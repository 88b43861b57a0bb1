using Dapper;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Storage.Migrations;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

/// <summary>
/// Migration 6 moves holds from per-lease links with an "active" flag to one row per held machine: a store written
/// before it keeps every lease's machines and every current hold, and the independent audit reads the new tables.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
public sealed class HoldsMigrationTests(StoreKind kind)
{
    private StoreTarget _target = null!;

    [SetUp]
    public async Task SetUp() => _target = await StoreTarget.CreateAsync(kind);

    [TearDown]
    public async Task TearDown() => await _target.DisposeAsync();

    [Test]
    public async Task A_store_written_before_keeps_its_leases_machines_and_current_holds()
    {
        var time = new FakeTimeProvider();
        Assert.That(await Migrator.MigrateAsync(_target.NewDialect(), time.GetUtcNow(), upTo: 5, default), Is.EqualTo(5));
        await using (var c = await _target.NewDialect().OpenAsync(default))
        {
            await c.ExecuteAsync("""
                INSERT INTO machines (id, profile, l2_domain, state, lease_id, updated_at) VALUES
                    ('m1', 'x86', 'l2a', 'Reserved', 'active-1', 0), ('m2', 'x86', 'l2a', 'InUse', 'active-1', 0), ('m3', 'x86', 'l2a', 'Available', NULL, 0);
                INSERT INTO leases (id, holder, request_id, ttl_ms, granted_at, expires_at, state, ended_at, end_reason) VALUES
                    ('old-0', 'farm-a', 'r0', 60000, 0, 60000, 'Released', 10, 'done'),
                    ('active-1', 'farm-a', 'r1', 600000, 20, 600020, 'Active', NULL, NULL);
                INSERT INTO lease_machines (lease_id, machine_id, active) VALUES
                    ('old-0', 'm3', 0), ('old-0', 'm1', 0), ('active-1', 'm2', 1), ('active-1', 'm1', 1);
                """);
        }

        var store = await _target.OpenStoreAsync(time);

        Assert.That((await store.GetLeaseAsync("old-0"))!.Machines, Is.EqualTo(new[] { "m1", "m3" }));
        Assert.That((await store.GetLeaseAsync("active-1"))!.Machines, Is.EqualTo(new[] { "m1", "m2" }));
        await using (var c = await _target.NewDialect().OpenAsync(default))
        {
            var holds = await c.QueryAsync<(string machine_id, string lease_id)>("SELECT machine_id, lease_id FROM holds ORDER BY machine_id");
            Assert.That(holds, Is.EqualTo(new[] { ("m1", "active-1"), ("m2", "active-1") }));
        }
        Assert.That((await HoldAudit.RunAsync(_target.NewDialect())).Clean, Is.True);

        var released = await store.ReleaseAsync("active-1", "farm-a", "migrated");
        Assert.That(released.State, Is.EqualTo(LeaseState.Released));
        Assert.That(released.Machines, Is.EqualTo(new[] { "m1", "m2" }));
        Assert.That((await store.ListMachinesAsync()).Select(m => (m.Id, m.State)),
            Is.EqualTo(new[] { ("m1", MachineState.Cleaning), ("m2", MachineState.Cleaning), ("m3", MachineState.Available) }));
        Assert.That((await HoldAudit.RunAsync(_target.NewDialect())).Clean, Is.True);
    }

    [Test]
    public async Task The_audit_finds_a_machine_whose_hold_and_lease_disagree()
    {
        var store = await _target.OpenStoreAsync(new FakeTimeProvider());
        await store.RegisterAsync(TestPool.Machines(x86: 2, arm: 0));
        var claim = await store.ClaimMachinesAsync("farm-a", "r1", ["x86-000"], TimeSpan.FromMinutes(5));
        Assert.That(claim.Granted, Is.True, claim.Refusal);
        Assert.That((await HoldAudit.RunAsync(_target.NewDialect())).Clean, Is.True);

        await using (var c = await _target.NewDialect().OpenAsync(default))
        {
            // Written behind the store's back: a second lease that also says it has x86-000.
            await c.ExecuteAsync("INSERT INTO leases (id, holder, request_id, ttl_ms, granted_at, expires_at, state) VALUES ('rogue', 'x', 'x', 1, 0, 1, 'Active')");
            await c.ExecuteAsync("UPDATE machines SET lease_id = 'rogue' WHERE id = 'x86-000'");
        }
        var audit = await HoldAudit.RunAsync(_target.NewDialect());
        Assert.That(audit.DoubleHeldNow, Is.EqualTo(1));
        Assert.That(audit.Problems, Has.Some.Contains("x86-000 is held by several leases"));
    }
}
