using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace TestFarm.Storage.Database;

public enum StoreKind { Sqlite, Postgres }

/// <summary>What differs between SQLite and PostgreSQL: connections, write transactions, row locks, DDL.</summary>
public abstract class StoreDialect
{
    public abstract StoreKind Kind { get; }
    /// <summary>Where the data lives, for error messages (never contains a password).</summary>
    public abstract string Place { get; }
    /// <summary>Suffix of a SELECT that locks its rows for the transaction (empty on SQLite: the write lock covers all).</summary>
    public abstract string ForUpdate { get; }
    public abstract string ForUpdateSkipLocked { get; }
    public abstract Task<DbConnection> OpenAsync(CancellationToken ct);
    /// <summary>A transaction that writes: BEGIN IMMEDIATE on SQLite, READ COMMITTED with row locks on PostgreSQL.</summary>
    public abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct);
    public abstract bool IsUniqueViolation(DbException e);
    public abstract bool IsTransient(DbException e);
    public abstract string AutoIdColumn { get; }
    /// <summary>A condition "column is one of the list parameter" (Dapper expands lists on SQLite, passes arrays to PostgreSQL).</summary>
    public abstract string InList(string column, string parameter);
    /// <summary>SQL run inside the migration transaction before anything else (serialises concurrent migrators).</summary>
    public abstract string MigrationLock { get; }
    public abstract string AppendOnlyTrigger(string table);

    /// <summary>In-process gate for writers (SQLite: one writer at a time without busy-wait sleeps); null when the database queues writers itself.</summary>
    public virtual SemaphoreSlim? WriteGate => null;
}

public sealed class SqliteDialect : StoreDialect
{
    private readonly string _connectionString;

    public SqliteDialect(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    public string Path { get; }
    public override SemaphoreSlim? WriteGate => Gates.GetOrAdd(Path, _ => new SemaphoreSlim(1, 1));
    public override StoreKind Kind => StoreKind.Sqlite;
    public override string Place => $"sqlite {Path}";
    public override string ForUpdate => "";
    public override string ForUpdateSkipLocked => "";
    public override string AutoIdColumn => "seq INTEGER PRIMARY KEY AUTOINCREMENT";
    public override string MigrationLock => "SELECT 1";
    public override string InList(string column, string parameter) => $"{column} IN @{parameter}";

    public override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var c = new SqliteConnection(_connectionString);
        await c.OpenAsync(ct).ConfigureAwait(false);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;";
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return c;
    }

    public override Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override bool IsUniqueViolation(DbException e) => e is SqliteException { SqliteErrorCode: 19 };
    public override bool IsTransient(DbException e) => e is SqliteException { SqliteErrorCode: 5 or 6 };

    public override string AppendOnlyTrigger(string table) => $"""
        CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
        CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
        """;
}

public sealed class PostgresDialect : StoreDialect
{
    private readonly NpgsqlDataSource _source;

    public PostgresDialect(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        if (b.Timeout == 15) b.Timeout = 10;
        if (b.CommandTimeout == 30) b.CommandTimeout = 30;
        // The store never changes session state, so a pooled connection needs no DISCARD ALL on return (which would
        // also throw away the plans of the claim and release functions); its few statements are prepared automatically.
        b.NoResetOnClose = true;
        if (b.MaxAutoPrepare == 0) b.MaxAutoPrepare = 20;
        // Claims, releases and machine moves are single autocommitted statements: multiplexed, many concurrent
        // callers share a few connections and their statements go out in batches (transactions still get their own).
        if (!b.ContainsKey("Multiplexing")) b.Multiplexing = true;
        Place = $"postgres {b.Host}:{b.Port}/{b.Database}{(b.SearchPath is { } s ? $" schema {s}" : "")}";
        _source = NpgsqlDataSource.Create(b.ConnectionString);
    }

    public override StoreKind Kind => StoreKind.Postgres;
    public override string Place { get; }
    public override string ForUpdate => " FOR UPDATE";
    public override string ForUpdateSkipLocked => " FOR UPDATE SKIP LOCKED";
    public override string AutoIdColumn => "seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";
    public override string MigrationLock => "SELECT pg_advisory_xact_lock(74657374)";
    public override string InList(string column, string parameter) => $"{column} = ANY(@{parameter})";

    public override async Task<DbConnection> OpenAsync(CancellationToken ct) => await _source.OpenConnectionAsync(ct).ConfigureAwait(false);

    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct).ConfigureAwait(false);

    public override bool IsUniqueViolation(DbException e) => e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
    public override bool IsTransient(DbException e) => e is NpgsqlException { IsTransient: true }
        || e is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected };

    public override string AppendOnlyTrigger(string table) => $"""
        CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{table} is append-only'; END $$;
        CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
        """;
}
