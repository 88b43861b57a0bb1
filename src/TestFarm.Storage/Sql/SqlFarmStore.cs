using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Storage.Database;
using TestFarm.Storage.Migrations;

namespace TestFarm.Storage.Sql;

/// <summary>
/// The farm's store on SQLite or PostgreSQL (Dapper). Every operation opens a pooled connection and runs in
/// one transaction, so a lost database leaves nothing half-done and the next call reconnects.
/// Create with <see cref="OpenAsync"/>, which applies migrations.
/// </summary>
public sealed partial class SqlFarmStore : IMachineStore, ILeaseStore, IRequestQueue, IRunStore, IEventLog, Core.Runs.IRunWorkStore, Core.HandsOn.IHandsOnStore
{
    private readonly StoreDialect _db;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    private SqlFarmStore(StoreDialect dialect, TimeProvider time, ILogger? log)
    {
        _db = dialect;
        _time = time;
        _log = log ?? NullLogger.Instance;
        if (dialect.Kind == StoreKind.Postgres) CreateBatchers();
    }

    public StoreDialect Dialect => _db;

    /// <summary>Test hook: runs inside a claim's transaction just before commit (to simulate a crash or lost database).</summary>
    internal Func<DbConnection, Task>? BeforeClaimCommit { get; set; }

    /// <summary>Raised after each write this instance commits (see <see cref="StoreChanges"/>).</summary>
    public StoreChanges Changes { get; } = new();

    public static async Task<SqlFarmStore> OpenAsync(StoreDialect dialect, TimeProvider time, ILogger? log = null, CancellationToken ct = default)
    {
        var store = new SqlFarmStore(dialect, time, log);
        try
        {
            var applied = await Migrator.MigrateAsync(dialect, time.GetUtcNow(), ct).ConfigureAwait(false);
            StorageLog.Migrated(store._log, dialect.Place, applied);
        }
        catch (DbException e)
        {
            throw new StoreException(dialect.Place, "migrate", e.Message, e);
        }
        return store;
    }

    public static Task<SqlFarmStore> OpenSqliteAsync(string path, TimeProvider time, ILogger? log = null, CancellationToken ct = default) =>
        OpenAsync(new SqliteDialect(path), time, log, ct);

    public static Task<SqlFarmStore> OpenPostgresAsync(string connectionString, TimeProvider time, ILogger? log = null, CancellationToken ct = default) =>
        OpenAsync(new PostgresDialect(connectionString), time, log, ct);

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Time-ordered (UUID v7), so lease keys and hold links are appended to their indexes rather than scattered.</summary>
    private string NewLeaseId() => Guid.CreateVersion7(_time.GetUtcNow()).ToString("N");

    private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction. A transient failure before commit is retried once on a
    /// fresh connection (the failed transaction was rolled back, so nothing is half-done).
    /// </summary>
    private async Task<T> WriteAsync<T>(string operation, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var committing = false;
            var gate = _db.WriteGate;
            if (gate is not null) await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await using var c = await _db.OpenAsync(ct).ConfigureAwait(false);
                await using var tx = await _db.BeginWriteAsync(c, ct).ConfigureAwait(false);
                var result = await work(c, tx).ConfigureAwait(false);
                committing = true;
                await tx.CommitAsync(ct).ConfigureAwait(false);
                Changes.Raise();
                return result;
            }
            catch (DbException e) when (!committing && attempt == 1 && _db.IsTransient(e))
            {
                StorageLog.Retrying(_log, _db.Place, operation, e.Message);
            }
            catch (DbException e) when (!_db.IsUniqueViolation(e))
            {
                throw new StoreException(_db.Place, operation, e.Message, e);
            }
            catch (InvalidOperationException e) when (e.InnerException is DbException or System.IO.IOException)
            {
                throw new StoreException(_db.Place, operation, e.Message, e);
            }
            finally
            {
                gate?.Release();
            }
        }
    }

    private async Task<T> ReadAsync<T>(string operation, Func<DbConnection, Task<T>> work, CancellationToken ct)
    {
        try
        {
            await using var c = await _db.OpenAsync(ct).ConfigureAwait(false);
            return await work(c).ConfigureAwait(false);
        }
        catch (DbException e)
        {
            throw new StoreException(_db.Place, operation, e.Message, e);
        }
    }

    private static Task<int> InsertEventAsync(DbConnection c, DbTransaction tx, string kind, string subject, string? from, string to, string reason, string? leaseId, long at) =>
        c.ExecuteAsync("INSERT INTO events (at, kind, subject, from_state, to_state, reason, lease_id) VALUES (@at, @kind, @subject, @from, @to, @reason, @leaseId)",
            new { at, kind, subject, from, to, reason, leaseId }, tx);

    public Task AppendAsync(AuditEvent e, CancellationToken ct = default) =>
        WriteAsync("append event", async (c, tx) =>
        {
            await InsertEventAsync(c, tx, e.Kind, e.Subject, e.From, e.To, e.Reason, e.LeaseId, e.At.ToUnixTimeMilliseconds()).ConfigureAwait(false);
            return 0;
        }, ct);

    public Task<IReadOnlyList<AuditEvent>> ReadAsync(string? subject = null, long afterSeq = 0, int limit = 1000, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<AuditEvent>>("read events", async c =>
        {
            var sql = "SELECT seq, at, kind, subject, from_state, to_state, reason, lease_id FROM events WHERE seq > @afterSeq"
                + (subject is null ? "" : " AND subject = @subject") + " ORDER BY seq LIMIT @limit";
            var rows = await c.QueryAsync<EventRow>(sql, new { afterSeq, subject, limit }).ConfigureAwait(false);
            return rows.Select(r => new AuditEvent
            {
                Seq = r.seq, At = At(r.at), Kind = r.kind, Subject = r.subject, From = r.from_state, To = r.to_state, Reason = r.reason, LeaseId = r.lease_id,
            }).ToList();
        }, ct);

#pragma warning disable IDE1006, CA1812 // Dapper row shapes follow column names.
    private sealed record EventRow(long seq, long at, string kind, string subject, string? from_state, string to_state, string reason, string? lease_id);
    private sealed record MachineRow(string id, string profile, string l2_domain, string state, string? lease_id, long updated_at)
    {
        public MachineRecord ToRecord() => new()
        {
            Id = id, Profile = profile, L2Domain = l2_domain, State = Enum.Parse<MachineState>(state), LeaseId = lease_id, UpdatedAt = At(updated_at),
        };
    }
    private sealed record LeaseRow(string id, string holder, string request_id, long ttl_ms, long granted_at, long expires_at, string state, long? ended_at, string? end_reason, string? machines);
#pragma warning restore IDE1006, CA1812
}
