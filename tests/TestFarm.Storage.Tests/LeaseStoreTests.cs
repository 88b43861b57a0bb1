using Dapper;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
public sealed class LeaseStoreTests(StoreKind kind)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);
    private StoreTarget _target = null!;
    private FakeTimeProvider _time = null!;
    private SqlFarmStore _store = null!;

    [SetUp]
    public async Task SetUp()
    {
        _target = await StoreTarget.CreateAsync(kind);
        _time = new FakeTimeProvider();
        _store = await _target.OpenStoreAsync(_time);
        await _store.RegisterAsync(TestPool.Machines(x86: 4, arm: 2));
    }

    [TearDown]
    public async Task TearDown() => await _target.DisposeAsync();

    private async Task<int> EventCount() => (await _store.ReadAsync(limit: 100_000)).Count;

    [Test]
    public async Task Migrations_apply_once_and_a_second_open_finds_nothing_to_do()
    {
        var again = await SqlFarmStore.OpenAsync(_target.NewDialect(), _time);
        Assert.That(await again.ListMachinesAsync(), Has.Count.EqualTo(6));
        await using var c = await _target.NewDialect().OpenAsync(default);
        Assert.That(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_version"), Is.EqualTo(TestFarm.Storage.Migrations.Migrator.Scripts(_target.NewDialect()).Count));
    }

    [Test]
    public async Task A_move_from_an_expected_state_leaves_a_machine_that_moved_meanwhile_as_it_is()
    {
        await _store.ClaimMachinesAsync("farm-a", "r1", ["x86-000"], Ttl);
        var before = await EventCount();
        var e = Assert.ThrowsAsync<IllegalTransitionException>(() => _store.TransitionAsync("x86-000", MachineState.Available, MachineState.Suspect, "health: failed"));
        Assert.That(e!.Message, Does.Contain("is Reserved, was expected Available"));
        var machines = (await _store.ListMachinesAsync()).ToDictionary(m => m.Id);
        Assert.That(machines["x86-000"].State, Is.EqualTo(MachineState.Reserved));
        Assert.That(machines["x86-000"].LeaseId, Is.Not.Null, "still held by its lease");
        Assert.That(await EventCount(), Is.EqualTo(before), "nothing written");

        var moved = await _store.TransitionAsync("x86-001", MachineState.Available, MachineState.Suspect, "health: failed");
        Assert.That(moved.State, Is.EqualTo(MachineState.Suspect));
        Assert.ThrowsAsync<IllegalTransitionException>(() => _store.TransitionAsync("x86-002", MachineState.Available, MachineState.Cleaning, "no such move"));
    }

    [Test]
    public async Task A_gang_claim_takes_all_machines_or_none()
    {
        var first = await _store.ClaimAsync("farm-a", TestPool.Request("r1", "arm", 2), TestPool.Chooser, Ttl);
        Assert.That(first.Granted, Is.True, first.Refusal);
        Assert.That(first.Lease!.Machines, Is.EquivalentTo(new[] { "arm-000", "arm-001" }));
        var events = await EventCount();

        var second = await _store.ClaimAsync("farm-b", TestPool.Request("r2", "x86", 5), TestPool.Chooser, Ttl);
        Assert.That(second.Granted, Is.False);
        Assert.That(second.Refusal, Does.Contain("cannot satisfy"));
        var machines = await _store.ListMachinesAsync();
        Assert.That(machines.Where(m => m.Profile == "x86").Select(m => m.State), Is.All.EqualTo(MachineState.Available));
        Assert.That(await EventCount(), Is.EqualTo(events), "a refused claim writes nothing");
    }

    [Test]
    public async Task Same_l2_domain_requests_get_machines_of_one_domain()
    {
        var r = await _store.ClaimAsync("farm-a", TestPool.Request("r1", "x86", 2, sameL2: true), TestPool.Chooser, Ttl);
        var domains = (await _store.ListMachinesAsync()).Where(m => r.Lease!.Machines.Contains(m.Id)).Select(m => m.L2Domain).Distinct();
        Assert.That(domains.Count(), Is.EqualTo(1));
        var tooMany = await _store.ClaimAsync("farm-a", TestPool.Request("r2", "x86", 2, sameL2: true, spares: 1), TestPool.Chooser, Ttl);
        Assert.That(tooMany.Granted, Is.False, "2 + 1 spare cannot fit in one domain of 2 left across two domains");
    }

    [Test]
    public async Task Claiming_named_machines_refuses_when_one_is_held_and_writes_nothing()
    {
        var a = await _store.ClaimMachinesAsync("farm-a", "r1", ["x86-000"], Ttl);
        Assert.That(a.Granted, Is.True);
        var events = await EventCount();
        var b = await _store.ClaimMachinesAsync("farm-b", "r2", ["x86-001", "x86-000"], Ttl);
        Assert.That(b.Refusal, Does.Contain("x86-000 is Reserved"));
        Assert.That((await _store.ListMachinesAsync()).Single(m => m.Id == "x86-001").State, Is.EqualTo(MachineState.Available));
        Assert.That(await EventCount(), Is.EqualTo(events));
    }

    [Test]
    public async Task The_database_itself_refuses_a_second_active_hold_of_a_machine()
    {
        var a = await _store.ClaimMachinesAsync("farm-a", "r1", ["x86-000"], Ttl);
        await using var c = await _target.NewDialect().OpenAsync(default);
        await c.ExecuteAsync("INSERT INTO leases (id, holder, request_id, ttl_ms, granted_at, expires_at, state) VALUES ('rogue', 'x', 'x', 1, 0, 1, 'Active')");
        var e = Assert.ThrowsAsync(Is.InstanceOf<System.Data.Common.DbException>(),
            () => c.ExecuteAsync("INSERT INTO holds (machine_id, lease_id) VALUES ('x86-000', 'rogue')"));
        Assert.That(e!.Message, Does.Contain("holds_pkey").Or.Contain("UNIQUE constraint failed: holds.machine_id"));
        Assert.That(a.Granted, Is.True);
    }

    [Test]
    public async Task Heartbeats_extend_the_lease_and_foreign_expired_ended_or_unknown_leases_are_refused()
    {
        var lease = (await _store.ClaimMachinesAsync("farm-a", "r1", ["x86-000"], Ttl)).Lease!;
        _time.Advance(TimeSpan.FromMinutes(4));
        var beat = await _store.HeartbeatAsync(lease.Id, "farm-a");
        Assert.That(beat.ExpiresAt, Is.EqualTo(_time.GetUtcNow() + Ttl));

        var foreign = Assert.ThrowsAsync<LeaseRefusedException>(() => _store.HeartbeatAsync(lease.Id, "farm-b"));
        Assert.That(foreign!.Reason, Is.EqualTo(LeaseRefusal.Foreign));
        Assert.That(foreign.Message, Does.Contain("held by farm-a"));
        var unknown = Assert.ThrowsAsync<LeaseRefusedException>(() => _store.HeartbeatAsync("nope", "farm-a"));
        Assert.That(unknown!.Reason, Is.EqualTo(LeaseRefusal.NotFound));

        _time.Advance(Ttl);
        var expired = Assert.ThrowsAsync<LeaseRefusedException>(() => _store.HeartbeatAsync(lease.Id, "farm-a"));
        Assert.That(expired!.Reason, Is.EqualTo(LeaseRefusal.Expired));

        await _store.ReapExpiredAsync();
        var ended = Assert.ThrowsAsync<LeaseRefusedException>(() => _store.HeartbeatAsync(lease.Id, "farm-a"));
        Assert.That(ended!.Reason, Is.EqualTo(LeaseRefusal.Ended));
    }

    [Test]
    public async Task Release_by_a_foreign_holder_twice_or_of_an_unknown_lease_is_refused_and_writes_nothing()
    {
        var lease = (await _store.ClaimMachinesAsync("farm-a", "r1", ["x86-000", "x86-001"], Ttl)).Lease!;
        var events = await EventCount();
        var foreign = Assert.ThrowsAsync<LeaseRefusedException>(() => _store.ReleaseAsync(lease.Id, "farm-b", "not mine"));
        Assert.That(foreign!.Reason, Is.EqualTo(LeaseRefusal.Foreign));
        Assert.That(foreign.Message, Does.Contain("held by farm-a"));
        var unknown = Assert.ThrowsAsync<LeaseRefusedException>(() => _store.ReleaseAsync("nope", "farm-a", "x"));
        Assert.That(unknown!.Reason, Is.EqualTo(LeaseRefusal.NotFound));
        Assert.That(await EventCount(), Is.EqualTo(events), "a refused release writes nothing");
        Assert.That((await _store.ListMachinesAsync()).Where(m => lease.Machines.Contains(m.Id)).Select(m => m.State), Is.All.EqualTo(MachineState.Reserved));

        var released = await _store.ReleaseAsync(lease.Id, "farm-a", "cell done");
        Assert.That((released.State, released.EndReason), Is.EqualTo((LeaseState.Released, (string?)"cell done")));
        Assert.That(released.Machines, Is.EquivalentTo(lease.Machines));
        var twice = Assert.ThrowsAsync<LeaseRefusedException>(() => _store.ReleaseAsync(lease.Id, "farm-a", "again"));
        Assert.That(twice!.Reason, Is.EqualTo(LeaseRefusal.Ended));
        var stored = await _store.GetLeaseAsync(lease.Id);
        Assert.That((stored!.State, stored.EndReason), Is.EqualTo((LeaseState.Released, (string?)"cell done")));
        Assert.That((await _store.ReadAsync("x86-000"))[^1].Reason, Does.Contain($"lease {lease.Id} released: cell done"));
    }

    [Test]
    public async Task Release_sends_machines_to_cleaning_and_cleaning_to_available_frees_them()
    {
        var lease = (await _store.ClaimMachinesAsync("farm-a", "r1", ["x86-000", "x86-001"], Ttl)).Lease!;
        await _store.TransitionAsync("x86-000", MachineState.Provisioning, "reimage");
        var released = await _store.ReleaseAsync(lease.Id, "farm-a", "cell done");
        Assert.That(released.State, Is.EqualTo(LeaseState.Released));
        var ms = (await _store.ListMachinesAsync()).Where(m => lease.Machines.Contains(m.Id)).ToList();
        Assert.That(ms.Select(m => m.State), Is.All.EqualTo(MachineState.Cleaning));
        Assert.That(ms.Select(m => m.LeaseId), Is.All.Null);
        await _store.TransitionAsync("x86-000", MachineState.Available, "wiped");
        Assert.That((await _store.ClaimMachinesAsync("farm-b", "r2", ["x86-000"], Ttl)).Granted, Is.True);
        Assert.That((await HoldAudit.RunAsync(_target.NewDialect())).Clean, Is.True);
    }

    [Test]
    public async Task The_reaper_moves_machines_of_expired_leases_to_cleaning_with_the_reason()
    {
        var stale = (await _store.ClaimMachinesAsync("farm-a", "r1", ["arm-000"], Ttl)).Lease!;
        var live = (await _store.ClaimMachinesAsync("farm-b", "r2", ["arm-001"], Ttl)).Lease!;
        _time.Advance(TimeSpan.FromMinutes(3));
        await _store.HeartbeatAsync(live.Id, "farm-b");
        _time.Advance(TimeSpan.FromMinutes(3));
        var reaped = await _store.ReapExpiredAsync();
        Assert.That(reaped.Select(l => l.Id), Is.EqualTo(new[] { stale.Id }));
        Assert.That((await _store.GetLeaseAsync(stale.Id))!.State, Is.EqualTo(LeaseState.Reaped));
        Assert.That((await _store.GetLeaseAsync(live.Id))!.State, Is.EqualTo(LeaseState.Active));
        var history = await _store.ReadAsync("arm-000");
        Assert.That(history[^1].To, Is.EqualTo("Cleaning"));
        Assert.That(history[^1].Reason, Does.Contain("reaped").And.Contain("no heartbeat"));
    }

    [Test]
    public async Task Illegal_transitions_are_refused_and_not_written()
    {
        var events = await EventCount();
        Assert.ThrowsAsync<IllegalTransitionException>(() => _store.TransitionAsync("x86-000", MachineState.InUse, "skip ahead"));
        await _store.TransitionAsync("x86-000", MachineState.Suspect, "ipmi timeouts");
        await _store.TransitionAsync("x86-000", MachineState.Quarantined, "health check failed");
        Assert.ThrowsAsync<IllegalTransitionException>(() => _store.TransitionAsync("x86-000", MachineState.Available, "just trust it"));
        Assert.That((await _store.ListMachinesAsync()).Single(m => m.Id == "x86-000").State, Is.EqualTo(MachineState.Quarantined));
        Assert.That(await EventCount(), Is.EqualTo(events + 2));
    }

    [Test]
    public async Task A_suspect_machine_leaves_its_lease_and_the_rest_stay_held()
    {
        var lease = (await _store.ClaimMachinesAsync("farm-a", "r1", ["x86-000", "x86-001"], Ttl)).Lease!;
        await _store.TransitionAsync("x86-001", MachineState.Suspect, "did not pxe boot");
        var ms = await _store.ListMachinesAsync();
        Assert.That(ms.Single(m => m.Id == "x86-001").LeaseId, Is.Null);
        Assert.That(ms.Single(m => m.Id == "x86-000").LeaseId, Is.EqualTo(lease.Id));
        await _store.ReleaseAsync(lease.Id, "farm-a", "done");
        Assert.That((await _store.ListMachinesAsync()).Single(m => m.Id == "x86-001").State, Is.EqualTo(MachineState.Suspect));
        Assert.That((await HoldAudit.RunAsync(_target.NewDialect())).Clean, Is.True);
    }

    [Test]
    public async Task The_event_log_is_append_only()
    {
        await using var c = await _target.NewDialect().OpenAsync(default);
        Assert.ThrowsAsync(Is.InstanceOf<System.Data.Common.DbException>(), () => c.ExecuteAsync("UPDATE events SET reason = 'rewritten'"));
        Assert.ThrowsAsync(Is.InstanceOf<System.Data.Common.DbException>(), () => c.ExecuteAsync("DELETE FROM events"));
        Assert.That(await EventCount(), Is.EqualTo(6));
    }

    [Test]
    public async Task A_crash_before_commit_leaves_nothing_half_claimed_and_the_store_carries_on()
    {
        _store.BeforeClaimCommit = async c =>
        {
            if (kind == StoreKind.Postgres) await c.ExecuteAsync("SELECT pg_terminate_backend(pg_backend_pid())");
            else throw new System.IO.IOException("simulated loss of the database file");
        };
        Assert.That(async () => await _store.ClaimMachinesAsync("farm-a", "r1", ["x86-000", "x86-001"], Ttl),
            kind == StoreKind.Postgres ? Throws.InstanceOf<StoreException>() : Throws.InstanceOf<System.IO.IOException>());
        _store.BeforeClaimCommit = null;
        Assert.That((await _store.ListMachinesAsync()).Select(m => m.State), Is.All.EqualTo(MachineState.Available));
        Assert.That(await _store.ListLeasesAsync(activeOnly: false), Is.Empty);
        Assert.That((await _store.ClaimMachinesAsync("farm-a", "r1", ["x86-000", "x86-001"], Ttl)).Granted, Is.True, "reconnected");
    }
}
