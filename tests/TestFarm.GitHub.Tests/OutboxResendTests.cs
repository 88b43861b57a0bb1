using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.GitHub;
using TestFarm.Core.Results;
using TestFarm.GitHub.Reporting;
using TestFarm.Testing.GitHub;

namespace TestFarm.GitHub.Tests;

/// <summary>
/// The outbox delivers at least once: a report GitHub took but the store never recorded (a crash between GitHub's answer
/// and the store's writes) is sent again. Every resend must leave GitHub as one send would: one check run, one comment.
/// </summary>
public sealed class OutboxResendTests
{
    private static GitHubRunContext Context(RunResult run) => new()
    {
        Repository = "Codertocat/Hello-World", HeadSha = run.HeadSha!, Plan = run.Plan, PullRequest = 2, RunId = run.RunId,
        DetailsUrl = $"https://farm.example/runs/{run.RunId}",
    };

    [Test]
    public async Task A_report_sent_but_not_recorded_is_sent_again_and_reuses_the_check_run_and_the_comment()
    {
        await using var host = await GitHubTestHost.StartAsync();
        // The store loses every write after GitHub answered: no id kept, and the delivered entries are not deleted.
        var state = new CrashingState(host.State) { LoseWrites = true };
        var outbox = new ReportOutbox(state, new ReportSender(host.Client, state), host.Options, host.OutboxTime, NullLogger<ReportOutbox>.Instance);
        var run = SampleRuns.Mixed();
        await outbox.DeliverAsync([.. GitHubReports.Accepted(Context(run), [.. run.Cells.Select(c => c.CellId)], SampleRuns.Start),
            .. GitHubReports.Completed(Context(run), run, SampleRuns.Start.AddHours(1)),
            GitHubReports.Replying("Codertocat/Hello-World", 2, "@octocat a run for this SHA is already running", "delivery-1/test")], CancellationToken.None);
        Assert.That(host.Stub.CheckRuns, Has.Count.EqualTo(1), "the first attempt reached GitHub");
        Assert.That(state.FailedDeletes, Is.GreaterThan(0), "the crash window was hit");
        var firstCreates = host.Stub.Matching("POST", "/check-runs").Count;

        // Restart: the store works again; the claims of the dead attempt expire and every entry is sent once more.
        state.LoseWrites = false;
        host.OutboxTime.Advance(host.Options.OutboxClaim + host.Options.OutboxMaxBackoff);
        Assert.That(await outbox.FlushAsync(CancellationToken.None), Is.Zero, "everything delivered the second time");

        Assert.That(host.Stub.CheckRuns, Has.Count.EqualTo(1), "the resend found the check run by name and external_id");
        Assert.That(host.Stub.Matching("POST", "/check-runs"), Has.Count.EqualTo(firstCreates), "no second check run was created");
        var check = host.Stub.CheckRuns.Single();
        Assert.That(check.Value["status"]!.GetValue<string>(), Is.EqualTo("completed"));
        Assert.That(check.Value["external_id"]!.GetValue<string>(), Is.EqualTo(run.RunId));
        Assert.That(host.Stub.Matching("GET", "/check-runs"), Is.Not.Empty, "the resend looked for its check run");
        Assert.That(await host.State.GetIdAsync($"check/codertocat/hello-world/{run.HeadSha}/{run.Plan}"), Is.EqualTo(check.Key),
            "the found id is kept, so the next report edits it directly");

        Assert.That(host.Stub.Comments.Values.Count(c => c.Body.StartsWith(GitHubReporter.CommentMarker(run.Plan), StringComparison.Ordinal)), Is.EqualTo(1),
            "one sticky comment");
        Assert.That(host.Stub.Comments.Values.Count(c => c.Body.Contains("already running", StringComparison.Ordinal)), Is.EqualTo(1),
            "the reply was found by its marker, not posted twice");
        Assert.That(host.Stub.Comments, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task A_check_run_of_another_run_on_the_same_sha_is_not_taken_over()
    {
        await using var host = await GitHubTestHost.StartAsync();
        var run = SampleRuns.Mixed();
        await host.Reporter.RunAcceptedAsync(Context(run), [.. run.Cells.Select(c => c.CellId)], CancellationToken.None);
        // A fresh store (nothing known) and another run id on the same SHA and plan: GitHub has no check run of that run.
        var state = new InMemoryGitHubState(host.OutboxTime);
        var outbox = new ReportOutbox(state, new ReportSender(host.Client, state), host.Options, host.OutboxTime, NullLogger<ReportOutbox>.Instance);
        var other = SampleRuns.Mixed("run-3");
        await outbox.DeliverAsync([GitHubReports.Accepted(Context(other), [.. other.Cells.Select(c => c.CellId)], SampleRuns.Start)[0]], CancellationToken.None);
        Assert.That(host.Stub.CheckRuns.Values.Select(c => c["external_id"]!.GetValue<string>()), Is.EquivalentTo(new[] { "run-2", "run-3" }));
    }

    /// <summary>The in-memory store, able to lose what is written after GitHub answered (ids, deletes) as a crash would.</summary>
    private sealed class CrashingState(InMemoryGitHubState inner) : IOutboxStore, IGitHubIdStore
    {
        public bool LoseWrites { get; set; }
        public int FailedDeletes { get; private set; }

        public Task EnqueueAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken = default) => inner.EnqueueAsync(messages, cancellationToken);

        public Task<IReadOnlyList<OutboxEntry>> ClaimAsync(string instance, int max, TimeSpan claimFor, CancellationToken cancellationToken = default) =>
            inner.ClaimAsync(instance, max, claimFor, cancellationToken);

        public Task<bool> DeliveredAsync(long seq, string instance, CancellationToken cancellationToken = default)
        {
            if (!LoseWrites) return inner.DeliveredAsync(seq, instance, cancellationToken);
            FailedDeletes++;
            return Task.FromResult(false);
        }

        public Task RetryLaterAsync(long seq, string instance, string error, DateTimeOffset next, CancellationToken cancellationToken = default) =>
            inner.RetryLaterAsync(seq, instance, error, next, cancellationToken);

        public Task RefusedAsync(long seq, string instance, string error, int? status, CancellationToken cancellationToken = default) =>
            inner.RefusedAsync(seq, instance, error, status, cancellationToken);

        public Task<OutboxView> ListOutboxAsync(int max, CancellationToken cancellationToken = default) => inner.ListOutboxAsync(max, cancellationToken);

        public Task<long?> GetIdAsync(string key, CancellationToken cancellationToken = default) => inner.GetIdAsync(key, cancellationToken);

        public Task SetIdAsync(string key, long id, CancellationToken cancellationToken = default) =>
            LoseWrites ? Task.CompletedTask : inner.SetIdAsync(key, id, cancellationToken);
    }
}
