using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.GitHub;
using TestFarm.GitHub.Auth;
using TestFarm.GitHub.Reporting;
using TestFarm.GitHub.Api;
using TestFarm.Testing;
using TestFarm.Testing.GitHub;

namespace TestFarm.GitHub.Tests;

/// <summary>Outages are retried; refusals are not, and show as failed outbox entries. Against the loopback stand-in GitHub.</summary>
public sealed class RefusalTests
{
    private static readonly RepoRef Repo = RepoRef.Parse("Codertocat/Hello-World");
    private static readonly CommitStatus Status = new() { State = "pending", Context = "testfarm/pr-smoke" };

    /// <summary>The pending statuses of one cell of plan pr-smoke on <paramref name="sha"/>, as the outbox keeps them.</summary>
    private static OutboxMessage Statuses(string sha) =>
        GitHubReports.Accepted(new GitHubRunContext { Repository = Repo.FullName, HeadSha = sha, Plan = "pr-smoke" }, ["pr-smoke/x/y"], DateTimeOffset.UnixEpoch)
            .Single(m => m.Key.StartsWith("status/", StringComparison.Ordinal));

    private sealed class Lines<T> : ILogger<T>
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> All { get; } = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            All.Enqueue((logLevel, formatter(state, exception)));
    }

    [Test]
    public async Task A_422_is_sent_once_logged_and_marks_the_outbox_entry_failed_for_good()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 3);
        var clientLog = new Lines<OctokitGitHubApi>();
        var outboxLog = new Lines<ReportOutbox>();
        var client = OctokitGitHubApi.Create(() => host.Http, new StaticTokenSource("ghp_test_token"), host.Options, TimeProvider.System, clientLog);
        var outbox = new ReportOutbox(host.State, new ReportSender(client, host.State), host.Options, host.OutboxTime, outboxLog);
        host.Stub.FailNext(1, 422, body: "{\"message\":\"No commit found for SHA: ../../x?y#z\",\"documentation_url\":\"https://docs.github.com/rest\"}");

        await outbox.DeliverAsync([Statuses("../../x?y#z")], CancellationToken.None);
        var left = await host.FlushLaterAsync();
        await host.FlushLaterAsync();

        Assert.That(host.Stub.Matching("POST", "/statuses/"), Has.Count.EqualTo(1), "a refusal is neither retried inline nor by the outbox");
        Assert.That(left, Is.EqualTo(0));
        var entry = (await host.PendingAsync()).Single();
        Assert.That(entry.Failed, Is.True);
        Assert.That(entry.Status, Is.EqualTo(422));
        Assert.That(entry.Attempts, Is.EqualTo(1));
        Assert.That(entry.LastError, Does.Contain("HTTP 422").And.Contain("No commit found for SHA"));
        Assert.That(clientLog.All.Any(l => l.Level == LogLevel.Error && l.Message.Contains("HTTP 422", StringComparison.Ordinal)), Is.True);
        Assert.That(outboxLog.All.Any(l => l.Level == LogLevel.Error && l.Message.Contains("statuses of pr-smoke", StringComparison.Ordinal)), Is.True);
    }

    [Test]
    public async Task A_503_then_200_is_retried_and_delivered_with_nothing_left_in_the_outbox()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 3);
        host.Stub.FailNext(1, 503, body: "{\"message\":\"Service Unavailable\"}");

        await host.Outbox.DeliverAsync([Statuses("ec26c3e57ca3a959ca5aad62de7213c562f8c821")], CancellationToken.None);

        Assert.That(host.Stub.Matching("POST", "/statuses/"), Has.Count.EqualTo(2));
        Assert.That(await host.PendingAsync(), Is.Empty);
    }

    [Test]
    public async Task An_outage_past_the_retry_cap_stays_queued_and_the_outbox_delivers_it_later()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 2);
        host.Stub.FailNext(3, 502);

        await host.Outbox.DeliverAsync([Statuses("ec26c3e57ca3a959ca5aad62de7213c562f8c821")], CancellationToken.None);
        Assert.That(host.Stub.Matching("POST", "/statuses/"), Has.Count.EqualTo(3), "one try and two retries, then the cap");
        var queued = (await host.PendingAsync()).Single();
        Assert.That(queued.Failed, Is.False);
        Assert.That(queued.Status, Is.Null);
        Assert.That(queued.NextAttempt, Is.EqualTo(host.OutboxTime.GetUtcNow() + host.Options.OutboxInterval), "the first backoff is the outbox interval");

        Assert.That(await host.FlushLaterAsync(), Is.EqualTo(0));
        Assert.That(host.Stub.Matching("POST", "/statuses/"), Has.Count.EqualTo(4));
        Assert.That(await host.PendingAsync(), Is.Empty);
    }

    [TestCase(408)]
    [TestCase(409)]
    [TestCase(429)]
    public async Task Timeouts_conflicts_and_too_many_requests_are_retried(int status)
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 3);
        host.Stub.FailNext(1, status);
        await host.Client.CreateStatusAsync(Repo, "ec26c3e57ca3a959ca5aad62de7213c562f8c821", Status, CancellationToken.None);
        Assert.That(host.Stub.Matching("POST", "/statuses/"), Has.Count.EqualTo(2));
    }

    [TestCase(400)]
    [TestCase(401)]
    [TestCase(404)]
    [TestCase(410)]
    [TestCase(422)]
    public async Task Other_client_errors_are_refusals_sent_once(int status)
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 3);
        host.Stub.FailNext(1, status, body: "{\"message\":\"refused\"}");
        var e = Assert.ThrowsAsync<GitHubApiException>(() =>
            host.Client.CreateStatusAsync(Repo, "ec26c3e57ca3a959ca5aad62de7213c562f8c821", Status, CancellationToken.None));
        Assert.That(e!.Refused, Is.True);
        Assert.That(e.Status, Is.EqualTo(status));
        Assert.That(host.Stub.Matching("POST", "/statuses/"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_huge_error_message_is_kept_bounded()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 0);
        host.Stub.FailNext(1, 422, body: $"{{\"message\":\"{new string('x', 100_000)}\"}}");
        await host.Outbox.DeliverAsync([Statuses("abc")], CancellationToken.None);
        var entry = (await host.PendingAsync()).Single();
        Assert.That(entry.Failed, Is.True);
        Assert.That(entry.LastError.Length, Is.LessThanOrEqualTo(ReportOutbox.MaxError + 40));
    }

    [Test]
    public async Task Run_reports_that_github_refuses_are_listed_failed_by_the_reporter_and_not_resent()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 3);
        host.Stub.FailNext(1000, 422, body: "{\"message\":\"Validation Failed\"}");
        var run = SampleRuns.Mixed();
        var context = new GitHubRunContext { Repository = "Codertocat/Hello-World", HeadSha = run.HeadSha!, Plan = run.Plan, PullRequest = 2 };

        await host.Reporter.RunCompletedAsync(context, run, CancellationToken.None);
        var sent = host.Stub.Requests.Count;
        await host.FlushLaterAsync();

        Assert.That(await host.PendingAsync(), Is.Not.Empty);
        Assert.That(await host.PendingAsync(), Has.All.Matches<PendingReport>(p => p.Failed && p.Status == 422 && p.Attempts == 1));
        Assert.That(host.Stub.Requests, Has.Count.EqualTo(sent), "the outbox does not resend refusals");
    }
}
