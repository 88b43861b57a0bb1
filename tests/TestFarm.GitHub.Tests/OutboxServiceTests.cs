using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.GitHub;
using TestFarm.GitHub.Reporting;
using TestFarm.Testing;
using TestFarm.Testing.GitHub;

namespace TestFarm.GitHub.Tests;

public sealed class OutboxServiceTests
{
    [Test]
    public async Task The_hosted_retrier_delivers_queued_reports_when_its_interval_passes()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 0);
        host.Stub.FailNext(1000, 500);
        var run = SampleRuns.Mixed();
        var context = new GitHubRunContext { Repository = "Codertocat/Hello-World", HeadSha = run.HeadSha!, Plan = run.Plan, PullRequest = 2 };
        await host.Reporter.RunCompletedAsync(context, run, CancellationToken.None);
        Assert.That(host.Reporter.PendingReports, Has.Count.EqualTo(3));
        host.Stub.Heal();

        var time = new FakeTimeProvider();
        using var service = new GitHubOutboxService(host.Outbox, new GitHubOptions { OutboxInterval = TimeSpan.FromMinutes(1) }, time,
            NullLogger<GitHubOutboxService>.Instance);
        await service.StartAsync(CancellationToken.None);
        Assert.That(host.Reporter.PendingReports, Has.Count.EqualTo(3), "nothing before the interval");

        // ExecuteAsync starts on a background thread (.NET 10) and the flush talks to the loopback stub (real
        // I/O): keep moving fake time by whole intervals and poll with a deadline.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (host.Reporter.PendingReports.Count > 0 && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.Yield();
        }
        await service.StopAsync(CancellationToken.None);
        Assert.That(host.Reporter.PendingReports, Is.Empty);
        Assert.That(host.Stub.Comments, Has.Count.EqualTo(1));
    }
}
