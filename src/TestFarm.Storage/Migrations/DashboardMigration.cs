namespace TestFarm.Storage.Migrations;

/// <summary>
/// The dashboard's read paths: a test's history across runs (results by test id) and the runs list newest first.
/// Plain indexes, the same on SQLite and PostgreSQL.
/// </summary>
internal static class DashboardMigration
{
    public const string Sql = """
        CREATE INDEX ix_results_test ON results (test_id, run_id);
        CREATE INDEX ix_runs_started ON runs (started_at, id);
        """;
}
