using Microsoft.Extensions.Hosting;

namespace TestFarm.GitHub.Reporting;

/// <summary>Delivers the outbox at start (what a previous run of any instance left) and every <see cref="GitHubOptions.OutboxInterval"/>.</summary>
public sealed class GitHubOutboxService(ReportOutbox outbox, GitHubOptions options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.OutboxInterval, time);
        try
        {
            do { await outbox.TryFlushAsync(stoppingToken).ConfigureAwait(false); }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }
}
