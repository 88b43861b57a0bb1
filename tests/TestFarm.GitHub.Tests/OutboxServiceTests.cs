using TestFarm.Core.GitHub;
using TestFarm.GitHub.Reporting;
using TestFarm.Testing.GitHub;

namespace TestFarm.GitHub.Tests;

public sealed class OutboxServiceTests
{
    [Test]
    public async Task The_hosted_retrier_delivers_queued_reports_once_their_backoff_has_passed()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 0);
        host.Stub.FailNext(1000, 500);
        var run = SampleRuns.Mixed();
        var context = new GitHubRunContext { Repository = "Codertocat/Hello-World", HeadSha = run.HeadSha!, Plan = run.Plan, PullRequest = 2 };
        await host.Reporter.RunCompletedAsync(context, run, CancellationToken.None);
        Assert.That(await host.PendingAsync(), Has.Count.EqualTo(3));
        host.Stub.Heal();

        using var service = new GitHubOutboxService(host.Outbox, host.Options, host.OutboxTime);
        await service.StartAsync(CancellationToken.None);
        // The service flushes at start (what an earlier process left), but these wait for their backoff.
        await Task.Yield();
        Assert.That(await host.PendingAsync(), Has.Count.EqualTo(3), "nothing before the backoff");

        // ExecuteAsync starts on a background thread (.NET 10) and the flush talks to the loopback stub (real
        // I/O): keep moving fake time by whole intervals and poll with a deadline.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await host.PendingAsync()).Count > 0 && DateTime.UtcNow < deadline)
        {
            host.OutboxTime.Advance(host.Options.OutboxInterval);
            await Task.Yield();
        }
        await service.StopAsync(CancellationToken.None);
        Assert.That(await host.PendingAsync(), Is.Empty);
        Assert.That(host.Stub.Comments, Has.Count.EqualTo(1));
        Assert.That(host.Stub.CheckRuns, Has.Count.EqualTo(1));
    }
}
