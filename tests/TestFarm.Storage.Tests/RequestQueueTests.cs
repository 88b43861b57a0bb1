using Dapper;
using TestFarm.Core.Leases;
using TestFarm.Core.Scheduling;
using TestFarm.Storage.Database;
using TestFarm.Storage.Migrations;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

/// <summary>
/// The request queue keeps open requests apart from the history: a scheduling round reads only Queued and Granted
/// requests (through their own index), targeted reads go by id or run, and ended requests are pruned after a
/// retention. The same on SQLite and PostgreSQL.
/// </summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
public sealed class RequestQueueTests(StoreKind kind)
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
    }

    [TearDown]
    public async Task TearDown() => await _target.DisposeAsync();

    private async Task<string> EnqueueAsync(string id, params RequestState[] moves)
    {
        await _store.EnqueueAsync(TestPool.Request(id, "x86", 1) with { SubmittedAt = _time.GetUtcNow() });
        foreach (var to in moves) await _store.SetStateAsync(id, to, $"to {to}", to == RequestState.Granted ? "lease-" + id : null);
        _time.Advance(TimeSpan.FromSeconds(1));
        return id;
    }

    [Test]
    public async Task A_round_reads_only_the_open_requests_in_queue_order_and_the_others_by_id()
    {
        await EnqueueAsync("run-a/queued");
        await EnqueueAsync("run-a/done", RequestState.Granted, RequestState.Done);
        await EnqueueAsync("run-a/granted", RequestState.Granted);
        await EnqueueAsync("run-b/cancelled", RequestState.Cancelled);
        await EnqueueAsync("run-b/rejected", RequestState.Rejected);
        await EnqueueAsync("run-ab/requeued", RequestState.Granted, RequestState.Done, RequestState.Queued);

        var open = await _store.ListOpenAsync();
        Assert.That(open.Select(q => (q.Request.Id, q.State)), Is.EqualTo(new[]
        {
            ("run-a/queued", RequestState.Queued), ("run-a/granted", RequestState.Granted), ("run-ab/requeued", RequestState.Queued),
        }));
        Assert.That(open[1].LeaseId, Is.EqualTo("lease-run-a/granted"));
        Assert.That((await _store.ListAsync(RequestState.Queued)).Select(q => q.Request.Id), Is.EqualTo(new[] { "run-a/queued", "run-ab/requeued" }));
        Assert.That((await _store.ListAsync(RequestState.Done)).Select(q => q.Request.Id), Is.EqualTo(new[] { "run-a/done" }));
        Assert.That(await _store.ListAsync(), Has.Count.EqualTo(6), "the history is kept until pruned");

        var done = await _store.GetAsync("run-a/done");
        Assert.That((done!.State, done.Reason, done.Request.Plan), Is.EqualTo((RequestState.Done, "to Done", "nightly")));
        Assert.That(await _store.GetAsync("run-z/unknown"), Is.Null);
        // "run-ab/..." sorts between "run-a/..." and "run-a0": the run's range must not take it.
        Assert.That((await _store.ListOpenOfRunAsync("run-a")).Select(q => q.Request.Id), Is.EqualTo(new[] { "run-a/queued", "run-a/granted" }));
        Assert.That((await _store.ListOpenOfRunAsync("run-ab")).Select(q => q.Request.Id), Is.EqualTo(new[] { "run-ab/requeued" }));
        Assert.That(await _store.ListOpenOfRunAsync("run-b"), Is.Empty);
    }

    [Test]
    public async Task The_round_query_goes_through_the_open_requests_index_which_holds_no_ended_request()
    {
        await EnqueueAsync("r/open");
        await EnqueueAsync("r/done", RequestState.Granted, RequestState.Done);
        await EnqueueAsync("r/cancelled", RequestState.Cancelled);

        await using var c = await _target.NewDialect().OpenAsync(default);
        string plan;
        if (kind == StoreKind.Sqlite)
        {
            plan = string.Join("\n", (await c.QueryAsync<(long id, long parent, long notused, string detail)>("EXPLAIN QUERY PLAN " + SqlFarmStore.OpenRequestsSql)).Select(r => r.detail));
        }
        else
        {
            // Tiny tables are read whole by PostgreSQL's planner; with that off it must still find an index that answers.
            await c.ExecuteAsync("SET enable_seqscan = off");
            plan = string.Join("\n", await c.QueryAsync<string>("EXPLAIN " + SqlFarmStore.OpenRequestsSql));
        }
        Assert.That(plan, Does.Contain("ix_requests_open"), plan);
        Assert.That(plan, Does.Not.Contain("TEMP B-TREE"), "read in queue order from the index, not sorted: " + plan);

        var ended = await c.QueryAsync<(string id, long? ended_at)>("SELECT id, ended_at FROM requests ORDER BY id");
        Assert.That(ended.Select(r => (r.id, r.ended_at is not null)), Is.EqualTo(new[] { ("r/cancelled", true), ("r/done", true), ("r/open", false) }));
    }

    [Test]
    public async Task Ended_requests_are_pruned_after_the_retention_and_open_ones_however_old_are_kept()
    {
        var retention = TimeSpan.FromDays(30);
        await EnqueueAsync("old/open");
        await EnqueueAsync("old/done", RequestState.Granted, RequestState.Done);
        await EnqueueAsync("old/rejected", RequestState.Rejected);
        await EnqueueAsync("old/requeued", RequestState.Granted, RequestState.Done, RequestState.Queued);
        _time.Advance(TimeSpan.FromDays(10));
        await EnqueueAsync("recent/cancelled", RequestState.Cancelled);
        _time.Advance(TimeSpan.FromDays(25));

        Assert.That(await _store.PruneEndedAsync(_time.GetUtcNow() - retention), Is.EqualTo(2));
        Assert.That((await _store.ListAsync()).Select(q => q.Request.Id), Is.EquivalentTo(new[] { "old/open", "old/requeued", "recent/cancelled" }));
        Assert.That(await _store.GetAsync("old/done"), Is.Null);
        Assert.That(await _store.PruneEndedAsync(_time.GetUtcNow() - retention), Is.Zero);

        _time.Advance(TimeSpan.FromDays(6));
        Assert.That(await _store.PruneEndedAsync(_time.GetUtcNow() - retention), Is.EqualTo(1));
        Assert.That((await _store.ListOpenAsync()).Select(q => q.Request.Id), Is.EqualTo(new[] { "old/open", "old/requeued" }));
        var audit = await _store.ReadAsync("old/done");
        Assert.That(audit.Select(e => e.To), Is.EqualTo(new[] { "Queued", "Granted", "Done" }), "the audit trail outlives the pruned request");
    }

    [Test]
    public async Task Pruning_a_history_longer_than_one_batch_takes_all_of_it()
    {
        var count = SqlFarmStore.PruneBatch + 7;
        var payload = "{}";
        await using (var c = await _target.NewDialect().OpenAsync(default))
        {
            // Rows written straight to the table: the request's payload is never read by pruning.
            await using var tx = await c.BeginTransactionAsync();
            await c.ExecuteAsync("INSERT INTO requests (id, payload, priority, repository, submitted_at, state, ended_at) VALUES (@id, @payload, 'Nightly', 'r', 0, 'Done', 1)",
                Enumerable.Range(0, count).Select(i => new { id = $"h/{i:D6}", payload }), tx);
            await tx.CommitAsync();
        }
        await EnqueueAsync("h/open");

        Assert.That(await _store.PruneEndedAsync(_time.GetUtcNow()), Is.EqualTo(count));
        Assert.That((await _store.ListAsync()).Select(q => q.Request.Id), Is.EqualTo(new[] { "h/open" }));
    }

    [Test]
    public async Task Migration_9_dates_the_requests_that_had_ended_by_their_last_audit_event()
    {
        await _target.DisposeAsync();
        _target = await StoreTarget.CreateAsync(kind);
        Assert.That(await Migrator.MigrateAsync(_target.NewDialect(), _time.GetUtcNow(), upTo: 8, default), Is.EqualTo(8));
        await using (var c = await _target.NewDialect().OpenAsync(default))
        {
            await c.ExecuteAsync("""
                INSERT INTO requests (id, payload, priority, repository, submitted_at, state, reason, lease_id) VALUES
                    ('r/open', '{}', 'Nightly', 'r', 100, 'Queued', NULL, NULL),
                    ('r/done', '{}', 'Nightly', 'r', 200, 'Done', 'cell finished', 'l1'),
                    ('r/rejected', '{}', 'Nightly', 'r', 300, 'Rejected', 'never', NULL);
                INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id) VALUES
                    (210, 'request', 'r/done', NULL, 'Queued', 'q', NULL), (5000, 'request', 'r/done', 'Granted', 'Done', 'cell finished', 'l1'),
                    (9000, 'cell', 'r/done', 'Done', 'InfraError', 'not a request event', 'l1');
                """);
        }

        await _target.OpenStoreAsync(_time);

        await using (var c = await _target.NewDialect().OpenAsync(default))
        {
            var rows = await c.QueryAsync<(string id, long? ended_at)>("SELECT id, ended_at FROM requests ORDER BY id");
            Assert.That(rows, Is.EqualTo(new (string, long?)[] { ("r/done", 5000), ("r/open", null), ("r/rejected", 300) }));
        }
    }
}
