using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

/// <summary>
/// On PostgreSQL, concurrent claims, releases and moves share one set-based statement. Each test holds the batcher
/// shut while a first call runs, lets the others pile up so that they go as one batch, and checks that every caller
/// gets what the one-call path gives it, and that the tables stay consistent.
/// </summary>
[TestFixture(StoreKind.Postgres)]
public sealed class PostgresBatchTests(StoreKind kind)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);
    private StoreTarget _target = null!;
    private SqlFarmStore _store = null!;

    [SetUp]
    public async Task SetUp()
    {
        _target = await StoreTarget.CreateAsync(kind);
        _store = await _target.OpenStoreAsync(new FakeTimeProvider());
        await _store.RegisterAsync(TestPool.Machines(x86: 4, arm: 2));
    }

    [TearDown]
    public async Task TearDown() => await _target.DisposeAsync();

    /// <summary>Starts <paramref name="first"/>, waits until it is inside the shut gate, starts the rest, opens the gate.</summary>
    private async Task<List<Task<T>>> PileUpAsync<T>(Func<Task<T>> first, params Func<Task<T>>[] rest)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _store.BatchGate = () => { entered.TrySetResult(); return gate.Task; };
        var calls = new List<Task<T>> { first() };
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
        calls.AddRange(rest.Select(r => r()));
        gate.SetResult();
        await Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(TimeSpan.FromSeconds(20));
        _store.BatchGate = null;
        return calls;
    }

    private async Task AssertConsistentAsync()
    {
        var audit = await HoldAudit.RunAsync(_target.NewDialect());
        Assert.That(audit.Problems, Is.Empty);
    }

    [Test]
    public async Task Claims_in_one_batch_are_each_granted_whole_or_refused_with_nothing_written()
    {
        var calls = await PileUpAsync(
            () => _store.ClaimAsync("farm-a", TestPool.Request("r1", "x86", 1), TestPool.Chooser, Ttl),
            () => _store.ClaimAsync("farm-b", TestPool.Request("r2", "x86", 2), TestPool.Chooser, Ttl),
            () => _store.ClaimAsync("farm-c", TestPool.Request("r3", "x86", 2), TestPool.Chooser, Ttl),
            () => _store.ClaimAsync("farm-d", TestPool.Request("r4", "x86", 1), TestPool.Chooser, Ttl),
            () => _store.ClaimAsync("farm-e", TestPool.Request("r5", "arm", 2), TestPool.Chooser, Ttl));
        var results = calls.Select(c => c.Result).ToList();

        Assert.That(_store.BatchCounts("claims"), Is.EqualTo((2L, 5L)), "one lone claim, then the other four in one statement");
        Assert.That(results.Select(r => r.Granted), Is.EqualTo(new[] { true, true, false, true, true }),
            "4 x86: r1 takes 1, r2 2, r3 (2) no longer fits whole, r4 takes the last; arm is another profile");
        Assert.That(results[2].Refusal, Does.Contain("r3").And.Contain("x86"));
        var held = results.Where(r => r.Granted).SelectMany(r => r.Lease!.Machines).ToList();
        Assert.That(held, Is.Unique);
        Assert.That(held, Has.Count.EqualTo(6));
        Assert.That(results[4].Lease!.Machines, Is.EqualTo(new[] { "arm-000", "arm-001" }));
        var leases = await _store.ListLeasesAsync(activeOnly: true);
        Assert.That(leases.Select(l => l.RequestId), Is.EquivalentTo(new[] { "r1", "r2", "r4", "r5" }), "the refused claim wrote no lease");
        foreach (var r in results.Where(r => r.Granted))
        {
            var stored = leases.Single(l => l.Id == r.Lease!.Id);
            Assert.That((stored.Holder, stored.Machines, stored.ExpiresAt), Is.EqualTo((r.Lease!.Holder, r.Lease.Machines, r.Lease.ExpiresAt)));
        }
        var machines = await _store.ListMachinesAsync();
        Assert.That(machines.Where(m => held.Contains(m.Id)).Select(m => m.State), Is.All.EqualTo(MachineState.Reserved));
        var r2Events = await _store.ReadAsync(results[1].Lease!.Machines[0]);
        Assert.That(r2Events[^1].Reason, Is.EqualTo("claimed for r2 by farm-b"));
        await AssertConsistentAsync();
    }

    [Test]
    public async Task Releases_in_one_batch_each_get_the_answer_they_would_get_alone()
    {
        var a = (await _store.ClaimMachinesAsync("farm-a", "ra", ["x86-000"], Ttl)).Lease!;
        var b = (await _store.ClaimMachinesAsync("farm-b", "rb", ["x86-001", "x86-002"], Ttl)).Lease!;
        var c = (await _store.ClaimMachinesAsync("farm-c", "rc", ["x86-003"], Ttl)).Lease!;
        var d = (await _store.ClaimMachinesAsync("farm-d", "rd", ["arm-000", "arm-001"], Ttl)).Lease!;
        await _store.ReleaseAsync(c.Id, "farm-c", "early");

        var calls = await PileUpAsync(
            () => _store.ReleaseAsync(a.Id, "farm-a", "done a"),
            () => _store.ReleaseAsync(b.Id, "intruder", "not mine"),
            () => _store.ReleaseAsync("nope", "farm-a", "unknown"),
            () => _store.ReleaseAsync(c.Id, "farm-c", "twice"),
            () => _store.ReleaseAsync(d.Id, "farm-d", "done d"));

        Assert.That(_store.BatchCounts("releases").Batches, Is.EqualTo(3L), "one before, one lone release, then four in one statement");
        Assert.That((calls[0].Result.State, calls[0].Result.EndReason), Is.EqualTo((LeaseState.Released, (string?)"done a")));
        Assert.That((calls[4].Result.State, calls[4].Result.Machines), Is.EqualTo((LeaseState.Released, d.Machines)));
        var refusals = calls.Skip(1).Take(3).Select(t => (LeaseRefusedException)t.Exception!.InnerException!).ToList();
        var alone = new[]
        {
            Assert.ThrowsAsync<LeaseRefusedException>(() => _store.ReleaseAsync(b.Id, "intruder", "not mine")),
            Assert.ThrowsAsync<LeaseRefusedException>(() => _store.ReleaseAsync("nope", "farm-a", "unknown")),
            Assert.ThrowsAsync<LeaseRefusedException>(() => _store.ReleaseAsync(c.Id, "farm-c", "twice")),
        };
        Assert.That(refusals.Select(e => (e.Reason, e.Message)), Is.EqualTo(alone.Select(e => (e!.Reason, e.Message))));
        Assert.That(refusals.Select(e => e.Reason), Is.EqualTo(new[] { LeaseRefusal.Foreign, LeaseRefusal.NotFound, LeaseRefusal.Ended }));

        var machines = (await _store.ListMachinesAsync()).ToDictionary(m => m.Id);
        Assert.That(new[] { "x86-000", "x86-003", "arm-000", "arm-001" }.Select(id => machines[id].State), Is.All.EqualTo(MachineState.Cleaning));
        Assert.That(new[] { "x86-001", "x86-002" }.Select(id => (machines[id].State, machines[id].LeaseId)), Is.All.EqualTo((MachineState.Reserved, (string?)b.Id)));
        Assert.That((await _store.ReadAsync("arm-001"))[^1].Reason, Is.EqualTo($"lease {d.Id} released: done d"));
        Assert.That((await _store.GetLeaseAsync(c.Id))!.EndReason, Is.EqualTo("early"), "a refused release leaves the ended lease as it was");
        await AssertConsistentAsync();
    }

    [Test]
    public async Task Moves_in_one_batch_each_move_or_are_refused_alone()
    {
        var lease = (await _store.ClaimMachinesAsync("farm-a", "r1", ["x86-001", "x86-002"], Ttl)).Lease!;
        var cleaning = (await _store.ClaimMachinesAsync("farm-b", "r2", ["x86-003"], Ttl)).Lease!;
        await _store.ReleaseAsync(cleaning.Id, "farm-b", "done");

        var calls = await PileUpAsync(
            () => _store.TransitionAsync("x86-000", MachineState.Suspect, "bmc says fan failed"),
            () => _store.TransitionAsync("x86-003", MachineState.Available, "wiped"),
            () => _store.TransitionAsync("x86-001", MachineState.Suspect, "nic flaps"),
            () => _store.TransitionAsync("x86-002", MachineState.InUse, "skipped provisioning"),
            () => _store.TransitionAsync("arm-000", MachineState.Cleaning, "no reason"),
            () => _store.TransitionAsync("ghost", MachineState.Available, "unknown"));

        Assert.That(_store.BatchCounts("moves"), Is.EqualTo((2L, 6L)));
        Assert.That(calls[0].Result.State, Is.EqualTo(MachineState.Suspect));
        Assert.That((calls[1].Result.State, calls[1].Result.LeaseId), Is.EqualTo((MachineState.Available, (string?)null)));
        Assert.That((calls[2].Result.State, calls[2].Result.LeaseId), Is.EqualTo((MachineState.Suspect, (string?)null)), "leaving the held states drops the hold");
        Assert.That(calls[3].Exception!.InnerException, Is.InstanceOf<IllegalTransitionException>());
        Assert.That(calls[4].Exception!.InnerException, Is.InstanceOf<IllegalTransitionException>());
        Assert.That(calls[5].Exception!.InnerException, Is.InstanceOf<KeyNotFoundException>());
        Assert.That(calls[3].Exception!.InnerException!.Message,
            Is.EqualTo(Assert.ThrowsAsync<IllegalTransitionException>(() => _store.TransitionAsync("x86-002", MachineState.InUse, "skipped provisioning"))!.Message));

        var machines = (await _store.ListMachinesAsync()).ToDictionary(m => m.Id);
        Assert.That((machines["x86-002"].State, machines["x86-002"].LeaseId), Is.EqualTo((MachineState.Reserved, (string?)lease.Id)), "a refused move writes nothing");
        Assert.That(machines["arm-000"].State, Is.EqualTo(MachineState.Available));
        Assert.That((await _store.ReadAsync("x86-001"))[^1].Reason, Is.EqualTo("nic flaps"));
        Assert.That((await _store.ReadAsync("arm-000"))[^1].To, Is.EqualTo(nameof(MachineState.Available)), "no event for a refused move");
        var released = await _store.ReleaseAsync(lease.Id, "farm-a", "cell done");
        Assert.That(released.State, Is.EqualTo(LeaseState.Released));
        Assert.That((await _store.ListMachinesAsync()).Single(m => m.Id == "x86-001").State, Is.EqualTo(MachineState.Suspect), "the released lease no longer moves the machine it lost");
        await AssertConsistentAsync();
    }

    [Test]
    public async Task The_functions_are_replaced_on_every_start_so_they_match_the_build()
    {
        await using (var c = await _target.NewDialect().OpenAsync(default))
        {
            await Dapper.SqlMapper.ExecuteAsync(c, """
                CREATE OR REPLACE FUNCTION tf_release_many(p_leases text[], p_holders text[], p_reasons text[], p_nows bigint[])
                RETURNS TABLE (o_status text, o_holder text, o_request text, o_ttl_ms bigint, o_granted_at bigint, o_expires_at bigint,
                    o_state text, o_ended_at bigint, o_end_reason text, o_machines text[])
                LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'an older build''s tf_release_many'; END $$;
                """);
        }
        var claim = await _store.ClaimMachinesAsync("farm-a", "r1", ["x86-000"], Ttl);
        Assert.ThrowsAsync<StoreException>(() => _store.ReleaseAsync(claim.Lease!.Id, "farm-a", "done"));

        var reopened = await _target.OpenStoreAsync(new FakeTimeProvider());
        var released = await reopened.ReleaseAsync(claim.Lease!.Id, "farm-a", "done");
        Assert.That(released.State, Is.EqualTo(LeaseState.Released));
        Assert.That((await HoldAudit.RunAsync(_target.NewDialect())).Clean, Is.True);
    }
}
