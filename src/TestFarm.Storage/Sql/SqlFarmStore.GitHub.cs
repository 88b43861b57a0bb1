using System.Data.Common;
using Dapper;
using TestFarm.Core.GitHub;

namespace TestFarm.Storage.Sql;

/// <summary>The pull-request loop's shared state (migration 11): the GitHub outbox, GitHub ids, approvals, webhook deliveries.</summary>
public sealed partial class SqlFarmStore : IOutboxStore, IGitHubIdStore, IApprovalStore, IDeliveryStore
{
    /// <summary>The most refused (failed) outbox entries kept for display; older ones are dropped.</summary>
    public const int MaxFailedReports = 200;

    /// <summary>How long webhook delivery ids are remembered (GitHub redelivers for up to 3 days).</summary>
    public static readonly TimeSpan DeliveryMemory = TimeSpan.FromDays(7);

    public Task EnqueueAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken = default) =>
        WriteAsync("enqueue github reports", async (c, tx) =>
        {
            await InsertOutboxAsync(c, tx, messages, Now).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <summary>Inserts each message, dropping the older ones of its key that nobody is sending right now.</summary>
    private static async Task InsertOutboxAsync(DbConnection c, DbTransaction tx, IReadOnlyList<OutboxMessage> messages, long now)
    {
        foreach (var m in messages)
        {
            await c.ExecuteAsync("DELETE FROM github_outbox WHERE msg_key = @Key AND (claim_until IS NULL OR claim_until < @now)", new { m.Key, now }, tx).ConfigureAwait(false);
            await c.ExecuteAsync("""
                INSERT INTO github_outbox (msg_key, kind, payload, description, created_at, next_at, attempts, failed)
                VALUES (@Key, @Kind, @Payload, @Description, @now, @now, 0, 0)
                """, new { m.Key, m.Kind, m.Payload, m.Description, now }, tx).ConfigureAwait(false);
        }
    }

    public Task<IReadOnlyList<OutboxEntry>> ClaimAsync(string instance, int max, TimeSpan claimFor, CancellationToken cancellationToken = default) =>
        WriteAsync<IReadOnlyList<OutboxEntry>>("claim github reports", async (c, tx) =>
        {
            var now = Now;
            var rows = (await c.QueryAsync<OutboxRow>($"""
                SELECT seq, msg_key, kind, payload, description, created_at, attempts FROM github_outbox o
                WHERE failed = 0 AND next_at <= @now AND (claim_until IS NULL OR claim_until < @now)
                  AND NOT EXISTS (SELECT 1 FROM github_outbox p WHERE p.msg_key = o.msg_key AND p.seq < o.seq AND p.failed = 0)
                ORDER BY seq LIMIT @max{_db.ForUpdateSkipLocked}
                """, new { now, max }, tx).ConfigureAwait(false)).ToList();
            var until = now + (long)claimFor.TotalMilliseconds;
            foreach (var r in rows)
                await c.ExecuteAsync("UPDATE github_outbox SET claimed_by = @instance, claim_until = @until WHERE seq = @seq", new { instance, until, r.seq }, tx).ConfigureAwait(false);
            return rows.Select(r => new OutboxEntry(r.seq, new OutboxMessage(r.msg_key, r.kind, r.payload, r.description), (int)r.attempts, At(r.created_at))).ToList();
        }, cancellationToken);

    public Task<bool> DeliveredAsync(long seq, string instance, CancellationToken cancellationToken = default) =>
        WriteAsync("github report delivered", async (c, tx) =>
            await c.ExecuteAsync("DELETE FROM github_outbox WHERE seq = @seq AND claimed_by = @instance", new { seq, instance }, tx).ConfigureAwait(false) == 1,
            cancellationToken);

    public Task RetryLaterAsync(long seq, string instance, string error, DateTimeOffset next, CancellationToken cancellationToken = default) =>
        WriteAsync("github report retry", (c, tx) => c.ExecuteAsync("""
            UPDATE github_outbox SET attempts = attempts + 1, last_error = @error, next_at = @next, claimed_by = NULL, claim_until = NULL
            WHERE seq = @seq AND claimed_by = @instance
            """, new { seq, instance, error, next = next.ToUnixTimeMilliseconds() }, tx), cancellationToken);

    public Task RefusedAsync(long seq, string instance, string error, int? status, CancellationToken cancellationToken = default) =>
        WriteAsync("github report refused", async (c, tx) =>
        {
            await c.ExecuteAsync("""
                UPDATE github_outbox SET attempts = attempts + 1, last_error = @error, status = @status, failed = 1, claimed_by = NULL, claim_until = NULL
                WHERE seq = @seq AND claimed_by = @instance
                """, new { seq, instance, error, status }, tx).ConfigureAwait(false);
            return await c.ExecuteAsync("""
                DELETE FROM github_outbox WHERE failed = 1 AND seq NOT IN (SELECT seq FROM github_outbox WHERE failed = 1 ORDER BY seq DESC LIMIT @keep)
                """, new { keep = MaxFailedReports }, tx).ConfigureAwait(false);
        }, cancellationToken);

    public Task<OutboxView> ListOutboxAsync(int max, CancellationToken cancellationToken = default) =>
        ReadAsync("list github reports", async c =>
        {
            var counts = await c.QuerySingleAsync<(long pending, long failed, long? oldest)>(
                "SELECT CAST(COALESCE(SUM(CASE WHEN failed = 0 THEN 1 ELSE 0 END), 0) AS BIGINT), CAST(COALESCE(SUM(failed), 0) AS BIGINT), MIN(CASE WHEN failed = 0 THEN created_at END) FROM github_outbox").ConfigureAwait(false);
            var rows = await c.QueryAsync<ViewRow>("""
                SELECT msg_key, description, attempts, created_at, next_at, last_error, failed, status
                FROM github_outbox ORDER BY seq LIMIT @max
                """, new { max }).ConfigureAwait(false);
            return new OutboxView((int)counts.pending, (int)counts.failed, counts.oldest is { } o ? At(o) : null,
                [.. rows.Select(r => new PendingReport(r.description, (int)r.attempts, At(r.created_at), r.last_error ?? "")
                {
                    Key = r.msg_key, NextAttempt = r.failed == 0 ? At(r.next_at) : null, Failed = r.failed != 0, Status = r.status is { } s ? (int)s : null,
                })]);
        }, cancellationToken);

    public Task<long?> GetIdAsync(string key, CancellationToken cancellationToken = default) =>
        ReadAsync("github id " + key, c => c.QuerySingleOrDefaultAsync<long?>("SELECT github_id FROM github_ids WHERE id_key = @key", new { key }), cancellationToken);

    public Task SetIdAsync(string key, long id, CancellationToken cancellationToken = default) =>
        WriteAsync("set github id " + key, (c, tx) => c.ExecuteAsync("""
            INSERT INTO github_ids (id_key, github_id, updated_at) VALUES (@key, @id, @now)
            ON CONFLICT (id_key) DO UPDATE SET github_id = excluded.github_id, updated_at = excluded.updated_at
            """, new { key, id, now = Now }, tx), cancellationToken);

    public Task ApproveAsync(string repository, int pullRequest, string headSha, string approver, CancellationToken cancellationToken = default) =>
        WriteAsync("approve " + repository, (c, tx) => c.ExecuteAsync("""
            INSERT INTO github_approvals (repository, pull_request, head_sha, approver, approved_at) VALUES (@repository, @pullRequest, @headSha, @approver, @now)
            ON CONFLICT (repository, pull_request, head_sha) DO NOTHING
            """, new { repository, pullRequest, headSha, approver, now = Now }, tx), cancellationToken);

    public Task<bool> IsApprovedAsync(string repository, int pullRequest, string headSha, CancellationToken cancellationToken = default) =>
        ReadAsync("approved " + repository, async c => await c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM github_approvals WHERE repository = @repository AND pull_request = @pullRequest AND head_sha = @headSha",
            new { repository, pullRequest, headSha }).ConfigureAwait(false) > 0, cancellationToken);

    public Task<bool> TryAddAsync(string deliveryId, CancellationToken cancellationToken = default) =>
        WriteAsync("webhook delivery", async (c, tx) =>
        {
            var now = Now;
            await c.ExecuteAsync("DELETE FROM webhook_deliveries WHERE received_at < @cutoff", new { cutoff = now - (long)DeliveryMemory.TotalMilliseconds }, tx).ConfigureAwait(false);
            return await c.ExecuteAsync("INSERT INTO webhook_deliveries (delivery_id, received_at) VALUES (@deliveryId, @now) ON CONFLICT (delivery_id) DO NOTHING",
                new { deliveryId, now }, tx).ConfigureAwait(false) == 1;
        }, cancellationToken);

    public Task ForgetAsync(string deliveryId, CancellationToken cancellationToken = default) =>
        WriteAsync("forget webhook delivery", (c, tx) => c.ExecuteAsync("DELETE FROM webhook_deliveries WHERE delivery_id = @deliveryId", new { deliveryId }, tx), cancellationToken);

#pragma warning disable IDE1006, CA1812 // Dapper row shapes follow column names.
    private sealed record OutboxRow(long seq, string msg_key, string kind, string payload, string description, long created_at, long attempts);
    private sealed record ViewRow(string msg_key, string description, long attempts, long created_at, long next_at, string? last_error, long failed, long? status);
#pragma warning restore IDE1006, CA1812
}
