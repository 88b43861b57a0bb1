using System.Text.Json;
using Dapper;
using TestFarm.Core.Leases;

namespace TestFarm.Storage.Sql;

/// <summary>
/// The request queue's targeted reads and pruning. Open requests (Queued, Granted) have no <c>ended_at</c> and are
/// read through <c>ix_requests_open</c>; ended ones only through their key or <c>ix_requests_ended</c> (migration 9).
/// </summary>
public sealed partial class SqlFarmStore
{
    private const string RequestColumns = "payload, state, reason, lease_id";

    /// <summary>The query a scheduling round runs (tests check its plan uses the open requests' index).</summary>
    internal const string OpenRequestsSql = $"SELECT {RequestColumns} FROM requests WHERE ended_at IS NULL ORDER BY submitted_at, id";

    /// <summary>Ended requests deleted per statement, so pruning a long history never holds the write lock for long.</summary>
    internal const int PruneBatch = 5_000;

    public Task<IReadOnlyList<QueuedRequest>> ListOpenAsync(CancellationToken ct = default) =>
        ReadAsync("list open requests", async c => ToRequests(await c.QueryAsync<RequestRow>(OpenRequestsSql).ConfigureAwait(false)), ct);

    public Task<QueuedRequest?> GetAsync(string requestId, CancellationToken ct = default) =>
        ReadAsync("get request " + requestId, async c =>
        {
            var row = await c.QuerySingleOrDefaultAsync<RequestRow>($"SELECT {RequestColumns} FROM requests WHERE id = @requestId", new { requestId }).ConfigureAwait(false);
            return row is null ? null : ToRequest(row);
        }, ct);

    public Task<IReadOnlyList<QueuedRequest>> ListOpenOfRunAsync(string runId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        // A run's requests are named "run/cell": the keys from "run/" up to "run0" ('0' follows '/'), compared byte by byte.
        return ReadAsync("list open requests of run " + runId, async c => ToRequests(await c.QueryAsync<RequestRow>(
            $"SELECT {RequestColumns} FROM requests WHERE id >= @from AND id < @to AND ended_at IS NULL ORDER BY submitted_at, id",
            new { from = runId + "/", to = runId + "0" }).ConfigureAwait(false)), ct);
    }

    public async Task<int> PruneEndedAsync(DateTimeOffset endedBefore, CancellationToken ct = default)
    {
        var cutoff = endedBefore.ToUnixTimeMilliseconds();
        var total = 0;
        while (true)
        {
            var deleted = await WriteAsync("prune ended requests", (c, tx) => c.ExecuteAsync(
                "DELETE FROM requests WHERE id IN (SELECT id FROM requests WHERE ended_at IS NOT NULL AND ended_at < @cutoff ORDER BY ended_at LIMIT @batch)",
                new { cutoff, batch = PruneBatch }, tx), ct).ConfigureAwait(false);
            total += deleted;
            if (deleted < PruneBatch) return total;
        }
    }

    private static IReadOnlyList<QueuedRequest> ToRequests(IEnumerable<RequestRow> rows) => [.. rows.Select(ToRequest)];

    private static QueuedRequest ToRequest(RequestRow r) =>
        new(JsonSerializer.Deserialize(r.payload, StorageJson.Default.ReservationRequest)!, Enum.Parse<RequestState>(r.state), r.reason, r.lease_id);

#pragma warning disable IDE1006, CA1812 // Dapper row shapes follow column names.
    private sealed record RequestRow(string payload, string state, string? reason, string? lease_id);
#pragma warning restore IDE1006, CA1812
}
