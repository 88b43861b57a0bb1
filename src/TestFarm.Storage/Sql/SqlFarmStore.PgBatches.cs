using Dapper;
using Npgsql;
using TestFarm.Storage.Database;
using TestFarm.Storage.Migrations;

namespace TestFarm.Storage.Sql;

/// <summary>
/// PostgreSQL batching of the hot calls (claim by profile, release, machine move): concurrent callers share one
/// set-based statement per batch (<see cref="PostgresBatchStatements"/>); a lone caller takes the one-call path.
/// </summary>
public sealed partial class SqlFarmStore
{
    private sealed record ClaimItem(string LeaseId, string Holder, string RequestId, long TtlMs, long Now, string Profile, int Count);
    private sealed record ReleaseItem(string LeaseId, string Holder, string Reason, long Now);
    private sealed record MoveItem(string MachineId, string To, string Reason, string[] Allowed, bool KeepLease, long Now);

    private Batcher<ClaimItem, string[]?>? _claims;
    private Batcher<ReleaseItem, ReleaseRow>? _releases;
    private Batcher<MoveItem, MovedRow?>? _moves;

    /// <summary>Batches and calls carried so far per kind (claims, releases, moves); zeros on SQLite.</summary>
    public (long Batches, long Calls) BatchCounts(string kind) => kind switch
    {
        "claims" => _claims?.Counts ?? default,
        "releases" => _releases?.Counts ?? default,
        "moves" => _moves?.Counts ?? default,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "claims, releases or moves"),
    };

    /// <summary>Test hook: awaited before every batch or lone call of the PostgreSQL batchers runs.</summary>
    internal Func<Task>? BatchGate
    {
        set { _claims!.Gate = value; _releases!.Gate = value; _moves!.Gate = value; }
    }

    private void CreateBatchers()
    {
        // A server-side refusal (PostgresException) rolled the whole statement back; anything else (a lost
        // connection) may have committed, so it is reported to every caller, as on the one-call path.
        static bool Refused(Exception e) => e is PostgresException;
        _claims = new Batcher<ClaimItem, string[]?>(ClaimBatchAsync, ClaimOneAsync, i => i.LeaseId, Refused);
        _releases = new Batcher<ReleaseItem, ReleaseRow>(ReleaseBatchAsync, ReleaseOneAsync, i => i.LeaseId, Refused);
        _moves = new Batcher<MoveItem, MovedRow?>(MoveBatchAsync, MoveOneAsync, i => i.MachineId, Refused);
    }

    // A lone claim or release runs the batch function with one call: two or three statements instead of six.
    private Task<IReadOnlyList<string[]?>> ClaimBatchAsync(IReadOnlyList<ClaimItem> items) =>
        BatchStatementAsync($"claim {items.Count} requests", c => ClaimManyAsync(c, items));

    private async Task<string[]?> ClaimOneAsync(ClaimItem i, CancellationToken ct) =>
        (await PgStatementAsync("claim " + i.RequestId, c => ClaimManyAsync(c, [i]), ct).ConfigureAwait(false))[0];

    private static async Task<IReadOnlyList<string[]?>> ClaimManyAsync(System.Data.Common.DbConnection c, IReadOnlyList<ClaimItem> items)
    {
        var granted = await c.QueryAsync<(string Lease, string[] Ids)>(
            "SELECT o_lease, o_ids FROM tf_claim_many(@leases, @holders, @requests, @ttls, @nows, @profiles, @counts)",
            new
            {
                leases = items.Select(i => i.LeaseId).ToArray(), holders = items.Select(i => i.Holder).ToArray(),
                requests = items.Select(i => i.RequestId).ToArray(), ttls = items.Select(i => i.TtlMs).ToArray(),
                nows = items.Select(i => i.Now).ToArray(), profiles = items.Select(i => i.Profile).ToArray(), counts = items.Select(i => i.Count).ToArray(),
            }).ConfigureAwait(false);
        var byLease = granted.ToDictionary(g => g.Lease, g => g.Ids, StringComparer.Ordinal);
        return [.. items.Select(i => byLease.GetValueOrDefault(i.LeaseId))];
    }

    private Task<IReadOnlyList<ReleaseRow>> ReleaseBatchAsync(IReadOnlyList<ReleaseItem> items) =>
        BatchStatementAsync($"release {items.Count} leases", c => ReleaseManyAsync(c, items));

    private async Task<ReleaseRow> ReleaseOneAsync(ReleaseItem i, CancellationToken ct) =>
        (await PgStatementAsync("release " + i.LeaseId, c => ReleaseManyAsync(c, [i]), ct).ConfigureAwait(false))[0];

    private static async Task<IReadOnlyList<ReleaseRow>> ReleaseManyAsync(System.Data.Common.DbConnection c, IReadOnlyList<ReleaseItem> items) =>
        [.. await c.QueryAsync<ReleaseRow>("SELECT * FROM tf_release_many(@leases, @holders, @reasons, @nows)", new
        {
            leases = items.Select(i => i.LeaseId).ToArray(), holders = items.Select(i => i.Holder).ToArray(),
            reasons = items.Select(i => i.Reason).ToArray(), nows = items.Select(i => i.Now).ToArray(),
        }).ConfigureAwait(false)];

    private async Task<IReadOnlyList<MovedRow?>> MoveBatchAsync(IReadOnlyList<MoveItem> items)
    {
        var rows = await BatchStatementAsync($"move {items.Count} machines", c => c.QueryAsync<MovedRowOrNone>(
            "SELECT * FROM tf_move_many(@ids, @tos, @reasons, @allowed, @keeps, @nows)", new
        {
            ids = items.Select(i => i.MachineId).ToArray(), tos = items.Select(i => i.To).ToArray(), reasons = items.Select(i => i.Reason).ToArray(),
            allowed = items.Select(i => string.Join(',', i.Allowed)).ToArray(), keeps = items.Select(i => i.KeepLease).ToArray(), nows = items.Select(i => i.Now).ToArray(),
        })).ConfigureAwait(false);
        return [.. rows.Select(r => r.id is null ? null : new MovedRow(r.id, r.profile!, r.l2_domain!, r.state!, r.lease_id, r.updated_at, r.moved))];
    }

    private Task<MovedRow?> MoveOneAsync(MoveItem i, CancellationToken ct) =>
        PgStatementAsync("move machine " + i.MachineId, c => c.QuerySingleOrDefaultAsync<MovedRow>(PostgresFunctions.Transition,
            new { machineId = i.MachineId, to = i.To, now = i.Now, reason = i.Reason, allowed = i.Allowed, keepLease = i.KeepLease }), ct);

    /// <summary>A batch's statement: errors are left to the batcher (it decides between running each call alone and failing them all).</summary>
    private async Task<T> BatchStatementAsync<T>(string operation, Func<System.Data.Common.DbConnection, Task<T>> work)
    {
        try
        {
            await using var c = await _db.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            return await work(c).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            StorageLog.BatchRefused(_log, _db.Place, operation, e.Message);
            throw;
        }
        catch (System.Data.Common.DbException e)
        {
            throw new StoreException(_db.Place, operation, e.Message, e);
        }
    }

#pragma warning disable IDE1006, CA1812 // Dapper row shapes follow column names.
    private sealed record MovedRowOrNone(string? id, string? profile, string? l2_domain, string? state, string? lease_id, long updated_at, long moved);
#pragma warning restore IDE1006, CA1812
}
