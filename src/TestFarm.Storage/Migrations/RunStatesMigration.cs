namespace TestFarm.Storage.Migrations;

/// <summary>
/// Migration 10: runs carry their state (<see cref="Core.Runs.RunState"/>), verdict, end reason and origin; each cell of a
/// run is a durable work item (<c>run_cells</c>) with its attempts. Runs of earlier versions get the state their audit
/// events and cells say.
/// </summary>
internal static class RunStatesMigration
{
    public const string Sql = """
        ALTER TABLE runs ADD COLUMN state TEXT NOT NULL DEFAULT 'Running';
        ALTER TABLE runs ADD COLUMN verdict TEXT NULL;
        ALTER TABLE runs ADD COLUMN end_reason TEXT NULL;
        ALTER TABLE runs ADD COLUMN origin TEXT NULL;
        UPDATE runs SET state = CASE
                WHEN NOT EXISTS (SELECT 1 FROM cells c WHERE c.run_id = runs.id)
                    OR EXISTS (SELECT 1 FROM cells c WHERE c.run_id = runs.id AND c.verdict = 'InfraError') THEN 'InfraError'
                WHEN EXISTS (SELECT 1 FROM cells c WHERE c.run_id = runs.id AND c.verdict = 'Failed') THEN 'Failed'
                ELSE 'Passed' END
            WHERE finished_at IS NOT NULL;
        UPDATE runs SET state = 'Cancelled', end_reason = 'cancelled (before migration 10)',
                finished_at = (SELECT MAX(e.at) FROM events e WHERE e.kind = 'run' AND e.subject = runs.id)
            WHERE finished_at IS NULL AND EXISTS (SELECT 1 FROM events e WHERE e.kind = 'run' AND e.subject = runs.id AND e.to_state = 'Cancelled');
        UPDATE runs SET state = 'InfraError', end_reason = 'the farm failed (before migration 10)',
                finished_at = (SELECT MAX(e.at) FROM events e WHERE e.kind = 'run' AND e.subject = runs.id)
            WHERE finished_at IS NULL AND EXISTS (SELECT 1 FROM events e WHERE e.kind = 'run' AND e.subject = runs.id AND e.to_state = 'Failed');
        UPDATE runs SET verdict = state WHERE state IN ('Passed', 'Failed', 'InfraError');
        CREATE INDEX ix_runs_state ON runs (state);
        CREATE TABLE run_cells (run_id TEXT NOT NULL REFERENCES runs (id), cell_id TEXT NOT NULL, state TEXT NOT NULL,
            attempts INTEGER NOT NULL, PRIMARY KEY (run_id, cell_id));
        """;
}
