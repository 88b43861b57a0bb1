using TestFarm.Core.GitHub;

namespace TestFarm.Testing.GitHub;

/// <summary>
/// In-memory outbox, GitHub ids, approvals and webhook deliveries, with the store's rules: a message replaces the unclaimed
/// older ones of its key; a claim takes the oldest message of each key, not while an older one is claimed; claims expire.
/// </summary>
public sealed class InMemoryGitHubState(TimeProvider time) : IOutboxStore, IGitHubIdStore, IApprovalStore, IDeliveryStore
{
    private readonly Lock _gate = new();
    private readonly List<Row> _outbox = [];
    private readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal);
    private readonly HashSet<(string, int, string)> _approvals = [];
    private readonly HashSet<string> _deliveries = new(StringComparer.Ordinal);
    private long _seq;

    public InMemoryGitHubState() : this(TimeProvider.System) { }

    public Task EnqueueAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            foreach (var m in messages)
            {
                _outbox.RemoveAll(r => r.Message.Key == m.Key && (r.ClaimUntil is null || r.ClaimUntil < now));
                _outbox.Add(new Row(++_seq, m, now) { NextAt = now });
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<OutboxEntry>> ClaimAsync(string instance, int max, TimeSpan claimFor, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var due = _outbox.Where(r => !r.Failed && r.NextAt <= now && (r.ClaimUntil is null || r.ClaimUntil < now)
                && !_outbox.Any(p => p.Message.Key == r.Message.Key && p.Seq < r.Seq && !p.Failed)).OrderBy(r => r.Seq).Take(max).ToList();
            foreach (var r in due) { r.ClaimedBy = instance; r.ClaimUntil = now + claimFor; }
            return Task.FromResult<IReadOnlyList<OutboxEntry>>([.. due.Select(r => new OutboxEntry(r.Seq, r.Message, r.Attempts, r.Created))]);
        }
    }

    public Task<bool> DeliveredAsync(long seq, string instance, CancellationToken cancellationToken = default)
    {
        lock (_gate) { return Task.FromResult(_outbox.RemoveAll(r => r.Seq == seq && r.ClaimedBy == instance) == 1); }
    }

    public Task RetryLaterAsync(long seq, string instance, string error, DateTimeOffset next, CancellationToken cancellationToken = default) =>
        Update(seq, instance, r => { r.Attempts++; r.LastError = error; r.NextAt = next; });

    public Task RefusedAsync(long seq, string instance, string error, int? status, CancellationToken cancellationToken = default) =>
        Update(seq, instance, r => { r.Attempts++; r.LastError = error; r.Status = status; r.Failed = true; });

    public Task<OutboxView> ListOutboxAsync(int max, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var pending = _outbox.Where(r => !r.Failed).ToList();
            return Task.FromResult(new OutboxView(pending.Count, _outbox.Count - pending.Count, pending.Count == 0 ? null : pending.Min(r => r.Created),
                [.. _outbox.OrderBy(r => r.Seq).Take(max).Select(r => new PendingReport(r.Message.Description, r.Attempts, r.Created, r.LastError)
                {
                    Key = r.Message.Key, Failed = r.Failed, Status = r.Status, NextAttempt = r.Failed ? null : r.NextAt,
                })]));
        }
    }

    public Task<long?> GetIdAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_gate) { return Task.FromResult(_ids.TryGetValue(key, out var id) ? id : (long?)null); }
    }

    public Task SetIdAsync(string key, long id, CancellationToken cancellationToken = default)
    {
        lock (_gate) { _ids[key] = id; }
        return Task.CompletedTask;
    }

    public Task ApproveAsync(string repository, int pullRequest, string headSha, string approver, CancellationToken cancellationToken = default)
    {
        lock (_gate) { _approvals.Add((repository, pullRequest, headSha)); }
        return Task.CompletedTask;
    }

    public Task<bool> IsApprovedAsync(string repository, int pullRequest, string headSha, CancellationToken cancellationToken = default)
    {
        lock (_gate) { return Task.FromResult(_approvals.Contains((repository, pullRequest, headSha))); }
    }

    public Task<bool> TryAddAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        lock (_gate) { return Task.FromResult(_deliveries.Add(deliveryId)); }
    }

    public Task ForgetAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        lock (_gate) { _deliveries.Remove(deliveryId); }
        return Task.CompletedTask;
    }

    private Task Update(long seq, string instance, Action<Row> change)
    {
        lock (_gate)
        {
            if (_outbox.FirstOrDefault(r => r.Seq == seq && r.ClaimedBy == instance) is { } row)
            {
                change(row);
                row.ClaimedBy = null;
                row.ClaimUntil = null;
            }
        }
        return Task.CompletedTask;
    }

    private sealed class Row(long seq, OutboxMessage message, DateTimeOffset created)
    {
        public long Seq { get; } = seq;
        public OutboxMessage Message { get; } = message;
        public DateTimeOffset Created { get; } = created;
        public DateTimeOffset NextAt { get; set; }
        public int Attempts { get; set; }
        public string LastError { get; set; } = "";
        public bool Failed { get; set; }
        public int? Status { get; set; }
        public string? ClaimedBy { get; set; }
        public DateTimeOffset? ClaimUntil { get; set; }
    }
}
