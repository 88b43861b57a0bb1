using System.Data.Common;
using System.Globalization;
using System.Text;
using TestFarm.Storage.Database;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>
/// Writes a long history of ended requests straight into a bench store: each a Done request with its released lease
/// and its audit events, as a cell that ran leaves them. Written in bulk (a through-the-store history of 100,000 takes
/// minutes); the payload is copied from a request the store itself wrote, so reads of the history parse as usual.
/// </summary>
internal static class RequestHistory
{
    private const int RowsPerStatement = 500;

    public static async Task WriteAsync(StoreDialect dialect, int count, string templateId, string templatePayload, DateTimeOffset endedBy, CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        var end = endedBy.ToUnixTimeMilliseconds();
        for (var first = 0; first < count; first += RowsPerStatement)
        {
            var n = Math.Min(RowsPerStatement, count - first);
            var requests = new StringBuilder("INSERT INTO requests (id, payload, priority, repository, submitted_at, state, reason, lease_id, ended_at) VALUES ");
            var leases = new StringBuilder("INSERT INTO leases (id, holder, request_id, ttl_ms, granted_at, expires_at, state, ended_at, end_reason, machines) VALUES ");
            var events = new StringBuilder("INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id) VALUES ");
            for (var i = first; i < first + n; i++)
            {
                var sep = i == first ? "" : ",";
                // Spread over the last 30 days, oldest first, an hour's hold each.
                var ended = end - (long)(count - i) * 25_000;
                var granted = ended - 3_600_000;
                var id = $"history-{i:D7}/nightly/cell";
                var lease = $"hl{i:D7}";
                var payload = Literal(templatePayload.Replace(templateId, id, StringComparison.Ordinal));
                requests.Append(CultureInfo.InvariantCulture, $"{sep}('{id}', {payload}, 'Nightly', 'default', {granted - 60_000}, 'Done', 'cell finished', '{lease}', {ended})");
                leases.Append(CultureInfo.InvariantCulture, $"{sep}('{lease}', 'history', '{id}', 120000, {granted}, {ended}, 'Released', {ended}, 'cell finished', '[\"m0\"]')");
                events.Append(CultureInfo.InvariantCulture, $"{sep}({granted - 60_000}, 'request', '{id}', NULL, 'Queued', 'Nightly from default', NULL),")
                    .Append(CultureInfo.InvariantCulture, $"({granted}, 'request', '{id}', 'Queued', 'Granted', 'granted', '{lease}'),")
                    .Append(CultureInfo.InvariantCulture, $"({ended}, 'request', '{id}', 'Granted', 'Done', 'cell finished', '{lease}')");
            }
            await ExecAsync(c, tx, requests.ToString(), ct).ConfigureAwait(false);
            await ExecAsync(c, tx, leases.ToString(), ct).ConfigureAwait(false);
            await ExecAsync(c, tx, events.ToString(), ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The payload the store wrote for <paramref name="requestId"/>.</summary>
    public static async Task<string> PayloadAsync(StoreDialect dialect, string requestId, CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT payload FROM requests WHERE id = {Literal(requestId)}";
        return (string?)await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) ?? throw new InvalidOperationException($"{dialect.Place}: no request '{requestId}'");
    }

    /// <summary>On PostgreSQL, brings the planner's statistics and the visibility map up to date, as autovacuum would (SQLite has no such thing).</summary>
    public static async Task AnalyzeAsync(StoreDialect dialect, CancellationToken ct)
    {
        if (dialect.Kind != StoreKind.Postgres) return;
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "VACUUM ANALYZE requests, leases, events";
        cmd.CommandTimeout = 600;
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static async Task ExecAsync(DbConnection c, DbTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
