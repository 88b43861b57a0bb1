namespace TestFarm.Storage.Migrations;

/// <summary>
/// Migration 13: people's hands-on reservations. The whole reservation is its JSON payload; state, owner and the times
/// the API filters on are columns beside it. The same on SQLite and PostgreSQL.
/// </summary>
internal static class HandsOnMigration
{
    public const string Sql = """
        CREATE TABLE handson (id TEXT PRIMARY KEY, owner TEXT NOT NULL, state TEXT NOT NULL, created_at BIGINT NOT NULL,
            expires_at BIGINT NULL, ended_at BIGINT NULL, payload TEXT NOT NULL);
        CREATE INDEX ix_handson_open ON handson (ended_at, created_at);
        """;
}
