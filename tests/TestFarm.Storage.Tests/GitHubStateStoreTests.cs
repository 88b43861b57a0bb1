using TestFarm.Core.GitHub;
using TestFarm.Core.Runs;
using TestFarm.Storage.Database;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

/// <summary>The pull-request loop's shared state (migration 11) on SQLite and PostgreSQL: outbox, GitHub ids, approvals, deliveries, one open run per key.</summary>
[TestFixture(StoreKind.Sqlite)]
[TestFixture(StoreKind.Postgres)]
public sealed class GitHubStateStoreTests(StoreKind kind)
{
    private static OutboxMessage M(string key, string what) => new(key, "check-accepted", $"{{\"what\":\"{what}\"}}", what);

    [Test]
    public async Task The_outbox_replaces_by_key_hands_out_the_oldest_first_retries_after_backoff_and_takes_over_expired_claims()
    {
        await using var target = await StoreTarget.CreateAsync(kind);
        var time = new FakeTimeProvider();
        var a = await target.OpenStoreAsync(time);
        var b = await target.OpenStoreAsync(time);
        await a.EnqueueAsync([M("k1", "k1 old"), M("k2", "k2")]);
        await b.EnqueueAsync([M("k1", "k1 new")]);

        var first = await a.ClaimAsync("i1", 10, TimeSpan.FromMinutes(5));
        Assert.That(first.Select(e => e.Message.Description), Is.EqualTo(new[] { "k2", "k1 new" }), "the newer message of k1 replaced the older one; oldest first");
        Assert.That(await b.ClaimAsync("i2", 10, TimeSpan.FromMinutes(5)), Is.Empty, "claimed messages are nobody else's");

        // A newer message of a key being sent waits behind it.
        await b.EnqueueAsync([M("k2", "k2 newer")]);
        Assert.That(await b.ClaimAsync("i2", 10, TimeSpan.FromMinutes(5)), Is.Empty);
        Assert.That(await a.DeliveredAsync(first[0].Seq, "i1"), Is.True);
        Assert.That((await b.ClaimAsync("i2", 10, TimeSpan.FromMinutes(5))).Single().Message.Description, Is.EqualTo("k2 newer"));

        // An outage: back after the backoff, its attempt counted and its error kept.
        await a.RetryLaterAsync(first[1].Seq, "i1", "HTTP 503", time.GetUtcNow().AddMinutes(1));
        var view = await b.ListOutboxAsync(10);
        Assert.That((view.Pending, view.Failed, view.OldestPending), Is.EqualTo((2, 0, (DateTimeOffset?)time.GetUtcNow())));
        var k1 = view.Entries.Single(e => e.Key == "k1");
        Assert.That((k1.Attempts, k1.LastError, k1.NextAttempt), Is.EqualTo((1, "HTTP 503", (DateTimeOffset?)time.GetUtcNow().AddMinutes(1))));
        Assert.That(await b.ClaimAsync("i3", 10, TimeSpan.FromMinutes(5)), Is.Empty, "k1 is not due; k2 newer is claimed by i2");
        time.Advance(TimeSpan.FromMinutes(1));
        var again = (await b.ClaimAsync("i3", 10, TimeSpan.FromMinutes(5))).Single();
        Assert.That((again.Message.Description, again.Attempts), Is.EqualTo(("k1 new", 1)));

        // i3 dies holding k1: its claim expires and another instance takes the message over; i3's late answer counts for nothing.
        time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var taken = await a.ClaimAsync("i1", 10, TimeSpan.FromMinutes(5));
        Assert.That(taken.Select(e => e.Message.Description), Is.EquivalentTo(new[] { "k1 new", "k2 newer" }));
        Assert.That(await b.DeliveredAsync(again.Seq, "i3"), Is.False);

        // A refusal stays visible as failed, with GitHub's status, and is never handed out again.
        await a.RefusedAsync(taken.Single(e => e.Message.Key == "k1").Seq, "i1", "HTTP 422: Validation Failed", 422);
        Assert.That(await a.DeliveredAsync(taken.Single(e => e.Message.Key == "k2").Seq, "i1"), Is.True);
        time.Advance(TimeSpan.FromHours(1));
        Assert.That(await b.ClaimAsync("i2", 10, TimeSpan.FromMinutes(5)), Is.Empty);
        view = await b.ListOutboxAsync(10);
        Assert.That((view.Pending, view.Failed, view.OldestPending), Is.EqualTo((0, 1, (DateTimeOffset?)null)));
        var failed = view.Entries.Single();
        Assert.That((failed.Key, failed.Failed, failed.Status, failed.Attempts, failed.LastError), Is.EqualTo(("k1", true, (int?)422, 2, "HTTP 422: Validation Failed")));
    }

    [Test]
    public async Task Two_instances_claiming_at_once_never_get_the_same_message()
    {
        await using var target = await StoreTarget.CreateAsync(kind);
        var time = new FakeTimeProvider();
        var a = await target.OpenStoreAsync(time);
        var b = await target.OpenStoreAsync(time);
        await a.EnqueueAsync([.. Enumerable.Range(0, 60).Select(i => M($"key-{i}", $"m{i}"))]);

        var claims = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? a : b).ClaimAsync($"i{i}", 5, TimeSpan.FromMinutes(5))));
        var seqs = claims.SelectMany(c => c.Select(e => e.Seq)).ToList();
        Assert.That(seqs, Has.Count.EqualTo(60));
        Assert.That(seqs.Distinct().Count(), Is.EqualTo(60), "each message claimed once");
    }

    [Test]
    public async Task Ids_approvals_and_deliveries_are_shared_by_every_instance()
    {
        await using var target = await StoreTarget.CreateAsync(kind);
        var time = new FakeTimeProvider();
        var a = await target.OpenStoreAsync(time);
        var b = await target.OpenStoreAsync(time);

        Assert.That(await b.GetIdAsync("check/o/r/sha/plan"), Is.Null);
        await a.SetIdAsync("check/o/r/sha/plan", 4242);
        Assert.That(await b.GetIdAsync("check/o/r/sha/plan"), Is.EqualTo(4242));
        await b.SetIdAsync("check/o/r/sha/plan", 4343);
        Assert.That(await a.GetIdAsync("check/o/r/sha/plan"), Is.EqualTo(4343));

        await a.ApproveAsync("o/r", 2, "aaa", "octocat");
        await a.ApproveAsync("o/r", 2, "aaa", "someone-else");
        Assert.That(await b.IsApprovedAsync("o/r", 2, "aaa"), Is.True);
        Assert.That(await b.IsApprovedAsync("o/r", 2, "bbb"), Is.False, "bound to the head SHA");
        Assert.That(await b.IsApprovedAsync("o/r", 3, "aaa"), Is.False, "bound to the pull request");
        Assert.That(await b.IsApprovedAsync("o/other", 2, "aaa"), Is.False, "bound to the repository");

        Assert.That(await a.TryAddAsync("d-1"), Is.True);
        Assert.That(await b.TryAddAsync("d-1"), Is.False, "a redelivery to another instance is a duplicate");
        await b.ForgetAsync("d-1");
        Assert.That(await a.TryAddAsync("d-1"), Is.True, "forgotten after a failed handling");
        var both = await Task.WhenAll(a.TryAddAsync("d-2"), b.TryAddAsync("d-2"));
        Assert.That(both.Count(x => x), Is.EqualTo(1), "posted to both at once: handled once");
    }

    [Test]
    public async Task One_open_run_per_key_and_its_reports_are_written_with_its_start_and_its_end()
    {
        await using var target = await StoreTarget.CreateAsync(kind);
        var time = new FakeTimeProvider();
        var a = await target.OpenStoreAsync(time);
        var b = await target.OpenStoreAsync(time);
        var opening = new RunOpening { ExclusiveKey = "github o/r@aaa/pr", Reports = [M("check/o/r/aaa/pr", "accepted")] };

        Assert.That(await a.CreateRunAsync("run-1", "pr", "pr o/r#2 aaa: /test", null, ["pr/x/1"], opening), Is.Null);
        Assert.That(await b.CreateRunAsync("run-2", "pr", "pr o/r#2 aaa: /test", null, ["pr/x/1"], opening), Is.EqualTo("run-1"));
        Assert.That(await b.GetRunRecordAsync("run-2"), Is.Null, "nothing of the refused run is stored");
        Assert.That((await a.ListOutboxAsync(10)).Entries.Select(e => e.Description), Is.EqualTo(new[] { "accepted" }), "the refused run's report was not written");

        Assert.That(await b.EndRunAsync("run-1", RunState.Cancelled, null, "cancelled", [M("check/o/r/aaa/pr", "cancelled")]), Is.True);
        Assert.That((await a.ListOutboxAsync(10)).Entries.Select(e => e.Description), Is.EqualTo(new[] { "cancelled" }));
        Assert.That(await a.EndRunAsync("run-1", RunState.Cancelled, null, "again", [M("check/o/r/aaa/pr", "second end")]), Is.False);
        Assert.That((await a.ListOutboxAsync(10)).Entries.Select(e => e.Description), Is.EqualTo(new[] { "cancelled" }), "a run's end is reported once");

        var racing = await Task.WhenAll(a.CreateRunAsync("run-3", "pr", "t", null, ["pr/x/1"], opening), b.CreateRunAsync("run-4", "pr", "t", null, ["pr/x/1"], opening));
        Assert.That(racing.Count(r => r is null), Is.EqualTo(1), "of two racing triggers, one opens the run");
        Assert.That(racing.Single(r => r is not null), Is.AnyOf("run-3", "run-4"));
    }
}
