using Microsoft.Extensions.Logging;
using TestFarm.Core.GitHub;
using TestFarm.GitHub.Api;

namespace TestFarm.GitHub.Reporting;

/// <summary>
/// Delivers the durable outbox (<see cref="IOutboxStore"/>, shared by every instance): claims due messages (the oldest of
/// each key, a claim that expires after <see cref="GitHubOptions.OutboxClaim"/> so a dead instance's are taken over), sends
/// each with <see cref="ReportSender"/>, and removes what was delivered. Outages (5xx, timeouts, rate limits) wait with
/// exponential backoff from <see cref="GitHubOptions.OutboxInterval"/> up to <see cref="GitHubOptions.OutboxMaxBackoff"/>,
/// across restarts; a refusal (<see cref="GitHubApiException.Refused"/>: a 4xx other than 408/409/429) is kept failed with
/// GitHub's status and message, logged, visible and not retried.
/// </summary>
public sealed class ReportOutbox(IOutboxStore store, ReportSender sender, GitHubOptions options, TimeProvider time, ILogger<ReportOutbox> logger)
{
    private const int ClaimBatch = 20;

    /// <summary>The most characters of an error kept per entry.</summary>
    public const int MaxError = 500;

    /// <summary>This process, as named in its claims.</summary>
    public string Instance { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Stores <paramref name="messages"/> (throws when the store cannot take them), then tries to deliver what is due (never throws but on cancellation).</summary>
    public async Task DeliverAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        await store.EnqueueAsync(messages, cancellationToken).ConfigureAwait(false);
        await TryFlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="FlushAsync"/>, logging instead of throwing.</summary>
    public async Task TryFlushAsync(CancellationToken cancellationToken)
    {
#pragma warning disable CA1031 // The outbox keeps the messages; the next flush tries again.
        try { await FlushAsync(cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested) { Log.OutboxFlushFailed(logger, e); }
#pragma warning restore CA1031
    }

    /// <summary>Sends every due message this instance can claim, oldest first; returns how many are still pending (any instance's).</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var claimed = await store.ClaimAsync(Instance, ClaimBatch, options.OutboxClaim, cancellationToken).ConfigureAwait(false);
            foreach (var entry in claimed) await TryAsync(entry, cancellationToken).ConfigureAwait(false);
            if (claimed.Count < ClaimBatch) break;
        }
        return (await store.ListOutboxAsync(0, cancellationToken).ConfigureAwait(false)).Pending;
    }

    /// <summary>What is pending and failed, for people.</summary>
    public Task<OutboxView> ListAsync(int max, CancellationToken cancellationToken) => store.ListOutboxAsync(max, cancellationToken);

    private async Task TryAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        var attempt = entry.Attempts + 1;
        var description = entry.Message.Description;
        try
        {
            await sender.SendAsync(entry.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: hand the message back at once rather than leave it claimed until the claim expires.
            await store.RetryLaterAsync(entry.Seq, Instance, "interrupted by a stop", time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
#pragma warning disable CA1031 // Any failure to report is kept in the outbox, never thrown into the run.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var error = e.Message.Length <= MaxError ? e.Message : $"{e.Message[..MaxError]}… ({e.Message.Length} characters)";
            if (e is GitHubApiException { Refused: true } refused)
            {
                await store.RefusedAsync(entry.Seq, Instance, error, refused.Status, CancellationToken.None).ConfigureAwait(false);
                Log.ReportFailed(logger, description, error, attempt);
                return;
            }
            var next = time.GetUtcNow() + Backoff(attempt);
            await store.RetryLaterAsync(entry.Seq, Instance, error, next, CancellationToken.None).ConfigureAwait(false);
            Log.ReportQueued(logger, description, error, attempt);
            return;
        }
        await store.DeliveredAsync(entry.Seq, Instance, CancellationToken.None).ConfigureAwait(false);
        if (attempt > 1) Log.ReportDelivered(logger, description, attempt);
    }

    /// <summary>The wait after the <paramref name="attempt"/>th failure: the interval, doubled each time, capped.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var wait = options.OutboxInterval * Math.Pow(2, Math.Min(attempt - 1, 20));
        return wait < options.OutboxMaxBackoff ? wait : options.OutboxMaxBackoff;
    }
}
