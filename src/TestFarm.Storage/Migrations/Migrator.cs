using Dapper;
using TestFarm.Storage.Database;

namespace TestFarm.Storage.Migrations;

/// <summary>Applies the numbered schema migrations not yet in <c>schema_version</c>, each in its own transaction.</summary>
public static class Migrator
{
    public static IReadOnlyList<(int Version, string Sql)> Scripts(StoreDialect d) =>
    [
        (1, $"""
            CREATE TABLE machines (id TEXT PRIMARY KEY, profile TEXT NOT NULL, l2_domain TEXT NOT NULL, state TEXT NOT NULL,
                lease_id TEXT NULL, updated_at BIGINT NOT NULL);
            CREATE INDEX ix_machines_state ON machines (state);
            CREATE TABLE leases (id TEXT PRIMARY KEY, holder TEXT NOT NULL, request_id TEXT NOT NULL, ttl_ms BIGINT NOT NULL,
                granted_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, state TEXT NOT NULL, ended_at BIGINT NULL, end_reason TEXT NULL);
            CREATE INDEX ix_leases_active ON leases (state, expires_at);
            CREATE TABLE lease_machines (lease_id TEXT NOT NULL REFERENCES leases (id), machine_id TEXT NOT NULL REFERENCES machines (id),
                active INTEGER NOT NULL, PRIMARY KEY (lease_id, machine_id));
            CREATE UNIQUE INDEX ux_one_active_hold ON lease_machines (machine_id) WHERE active = 1;
            CREATE TABLE requests (id TEXT PRIMARY KEY, payload TEXT NOT NULL, priority TEXT NOT NULL, repository TEXT NOT NULL,
                submitted_at BIGINT NOT NULL, state TEXT NOT NULL, reason TEXT NULL, lease_id TEXT NULL);
            CREATE TABLE runs (id TEXT PRIMARY KEY, plan TEXT NOT NULL, trigger_kind TEXT NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT NULL);
            CREATE TABLE cells (run_id TEXT NOT NULL REFERENCES runs (id), cell_id TEXT NOT NULL, plan TEXT NOT NULL, profile TEXT NOT NULL,
                verdict TEXT NOT NULL, duration_ms BIGINT NOT NULL, recorded_at BIGINT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (run_id, cell_id));
            CREATE INDEX ix_cells_plan_profile ON cells (plan, profile, recorded_at);
            CREATE TABLE results (run_id TEXT NOT NULL, cell_id TEXT NOT NULL, test_id TEXT NOT NULL, suite TEXT NOT NULL, name TEXT NOT NULL,
                verdict TEXT NOT NULL, duration_ms BIGINT NOT NULL, PRIMARY KEY (run_id, cell_id, test_id));
            CREATE TABLE events ({d.AutoIdColumn}, at BIGINT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL, from_state TEXT NULL,
                to_state TEXT NOT NULL, reason TEXT NOT NULL, lease_id TEXT NULL);
            CREATE INDEX ix_events_subject ON events (subject, seq);
            {d.AppendOnlyTrigger("events")}
            """),
        // Migration 2 created the PostgreSQL functions, now replaced on every start (PostgresFunctions.Sql).
        (2, "SELECT 1"),
        (3, d.Kind == StoreKind.Postgres ? PostgresBatchStatements.Migration : "SELECT 1"),
        // Runs were once held by the instance executing them (owner, beat_at); dropped by 22.
        (4, "ALTER TABLE runs ADD COLUMN owner TEXT NULL; ALTER TABLE runs ADD COLUMN beat_at BIGINT NULL;"),
        (5, d.Kind == StoreKind.Postgres ? PostgresBatchStatements.BinaryCollation : "SELECT 1"),
        (6, d.Kind == StoreKind.Postgres ? HoldsMigration.Postgres : HoldsMigration.Sqlite),
        (7, d.Kind == StoreKind.Postgres ? PostgresBatchStatements.ProfileOrder : "SELECT 1"),
        (8, HealthMigration.Sql(d)),
        (9, RequestsMigration.Sql),
        (10, RunStatesMigration.Sql),
        (11, GitHubMigration.Sql(d)),
        (12, DashboardMigration.Sql),
        (13, HandsOnMigration.Sql),
        // A run belongs to the farm: its cells are Quartz jobs with recovery, taken over through the job store's own check-ins
        // (clustered on PostgreSQL) and the run sweep; no instance owns a run, so nothing beats for one.
        (14, "ALTER TABLE runs DROP COLUMN owner; ALTER TABLE runs DROP COLUMN beat_at;"),
        (15, InventoryMigration.Sql),
    ];

    public static Task<int> MigrateAsync(StoreDialect dialect, DateTimeOffset now, CancellationToken ct) => MigrateAsync(dialect, now, int.MaxValue, ct);

    /// <summary>Applies the migrations up to version <paramref name="upTo"/> (tests build an older database with it).</summary>
    internal static async Task<int> MigrateAsync(StoreDialect dialect, DateTimeOffset now, int upTo, CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        if (dialect.Kind == StoreKind.Sqlite)
            await c.ExecuteAsync("PRAGMA journal_mode=WAL").ConfigureAwait(false);
        await using (var tx = await dialect.BeginWriteAsync(c, ct).ConfigureAwait(false))
        {
            await c.ExecuteAsync(dialect.MigrationLock, transaction: tx).ConfigureAwait(false);
            await c.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)", transaction: tx).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        var applied = 0;
        foreach (var (version, sql) in Scripts(dialect).Where(m => m.Version <= upTo))
        {
            await using var tx = await dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
            await c.ExecuteAsync(dialect.MigrationLock, transaction: tx).ConfigureAwait(false);
            var done = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_version WHERE version = @version", new { version }, tx).ConfigureAwait(false);
            if (done > 0) { await tx.RollbackAsync(ct).ConfigureAwait(false); continue; }
            await c.ExecuteAsync(sql, transaction: tx).ConfigureAwait(false);
            await c.ExecuteAsync("INSERT INTO schema_version (version, applied_at) VALUES (@version, @at)",
                new { version, at = now.ToUnixTimeMilliseconds() }, tx).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            applied++;
        }
        if (dialect.Kind == StoreKind.Postgres && upTo == int.MaxValue)
        {
            // The functions are code: replaced on every start, under the migration lock, so they match this build.
            await using var tx = await dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
            await c.ExecuteAsync(dialect.MigrationLock, transaction: tx).ConfigureAwait(false);
            await c.ExecuteAsync(PostgresFunctions.Sql, transaction: tx).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        return applied;
    }
}
