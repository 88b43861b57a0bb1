using TestFarm.Storage.Database;

namespace TestFarm.Storage.Migrations;

/// <summary>Migration 8: <c>machine_health</c>, one row per health round per machine (see <see cref="Core.Provisioning.IHealthHistory"/>).</summary>
internal static class HealthMigration
{
    public static string Sql(StoreDialect d) => $"""
        CREATE TABLE machine_health ({d.AutoIdColumn}, machine_id TEXT NOT NULL REFERENCES machines (id), at BIGINT NOT NULL,
            grade TEXT NOT NULL, failures BIGINT NOT NULL, passes BIGINT NOT NULL, blamed TEXT NULL, last_failure TEXT NULL, checks TEXT NOT NULL);
        CREATE INDEX ix_machine_health ON machine_health (machine_id, at);
        """;
}
