using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TestFarm.GitHub.Reporting;

/// <summary>Retries undelivered GitHub reports every <see cref="GitHubOptions.OutboxInterval"/>.</summary>
public sealed class GitHubOutboxService(ReportOutbox outbox, GitHubOptions options, TimeProvider time, ILogger<GitHubOutboxService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.OutboxInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try { await outbox.FlushAsync(stoppingToken).ConfigureAwait(false); }
#pragma warning disable CA1031 // The loop must survive anything; the outbox keeps the entries.
                catch (Exception e) when (!stoppingToken.IsCancellationRequested) { Log.OutboxFlushFailed(logger, e); }
#pragma warning restore CA1031
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }
}
