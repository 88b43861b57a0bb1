using Microsoft.Extensions.Logging;
using TestFarm.Core.GitHub;
using TestFarm.GitHub.Api;

namespace TestFarm.GitHub.Reporting;

/// <summary>
/// Deliveries to GitHub that failed, kept and retried so that a GitHub outage never loses a result. A newer
/// delivery with the same key (same check run, same statuses, same comment) replaces a queued older one.
/// Outages (5xx, timeouts, rate limits) are retried; a refusal (<see cref="GitHubApiException.Refused"/>: a 4xx
/// other than 408/409/429) is marked failed with GitHub's status and message, logged, kept visible and not retried.
/// </summary>
public sealed class ReportOutbox(TimeProvider time, ILogger<ReportOutbox> logger)
{
    private readonly Lock _gate = new();
    private readonly List<Entry> _entries = [];

    /// <summary>The most failed entries kept for display; older ones are dropped.</summary>
    public const int MaxFailed = 200;

    /// <summary>The most characters of an error kept per entry.</summary>
    public const int MaxError = 500;

    public IReadOnlyList<PendingReport> Pending
    {
        get { lock (_gate) { return [.. _entries.Select(e => new PendingReport(e.Description, e.Attempts, e.FirstFailed, e.LastError) { Failed = e.Failed, Status = e.Status })]; } }
    }

    /// <summary>Tries <paramref name="send"/> now; on failure keeps it for <see cref="FlushAsync"/>. Never throws but on cancellation.</summary>
    public async Task DeliverAsync(string key, string description, Func<CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        var entry = new Entry(key, description, send, time.GetUtcNow());
        lock (_gate)
        {
            _entries.RemoveAll(e => e.Key == key);
            _entries.Add(entry);
        }
        await TryAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Retries every queued delivery once, oldest first (failed ones are not); returns how many are still to be retried.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        List<Entry> due;
        lock (_gate) { due = [.. _entries]; }
        foreach (var entry in due)
        {
            bool current;
            lock (_gate) { current = !entry.Failed && _entries.Contains(entry); }
            if (current) await TryAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        lock (_gate) { return _entries.Count(e => !e.Failed); }
    }

    /// <summary>Sends; the entry stays listed (visible as pending) until it succeeds or a newer one replaces it.</summary>
    private async Task TryAsync(Entry entry, CancellationToken cancellationToken)
    {
        entry.Attempts++;
        try
        {
            await entry.Send(cancellationToken).ConfigureAwait(false);
            lock (_gate) { _entries.Remove(entry); }
            if (entry.Attempts > 1) Log.ReportDelivered(logger, entry.Description, entry.Attempts);
        }
#pragma warning disable CA1031 // Any failure to report is queued, never thrown into the run.
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            entry.LastError = e.Message.Length <= MaxError ? e.Message : $"{e.Message[..MaxError]}… ({e.Message.Length} characters)";
            if (e is GitHubApiException { Refused: true } refused)
            {
                entry.Status = refused.Status;
                lock (_gate)
                {
                    entry.Failed = true;
                    var failed = _entries.Where(x => x.Failed).ToList();
                    foreach (var old in failed.Take(Math.Max(0, failed.Count - MaxFailed))) _entries.Remove(old);
                }
                Log.ReportFailed(logger, entry.Description, entry.LastError, entry.Attempts);
                return;
            }
            Log.ReportQueued(logger, entry.Description, entry.LastError, entry.Attempts);
        }
    }

    private sealed class Entry(string key, string description, Func<CancellationToken, Task> send, DateTimeOffset firstFailed)
    {
        public string Key { get; } = key;
        public string Description { get; } = description;
        public Func<CancellationToken, Task> Send { get; } = send;
        public DateTimeOffset FirstFailed { get; } = firstFailed;
        public int Attempts { get; set; }
        public string LastError { get; set; } = "";
        public bool Failed { get; set; }
        public int? Status { get; set; }
    }
}
