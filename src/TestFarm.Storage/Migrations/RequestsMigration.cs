namespace TestFarm.Storage.Migrations;

/// <summary>
/// Migration 9: a request records when it ended (<c>ended_at</c>, null while Queued or Granted). Two partial indexes
/// split the table: the open requests in queue order (what a scheduling round reads, so a round never touches the
/// history) and the ended ones by end time (what pruning deletes). Requests that had already ended take the time of
/// their last audit event, else their submission.
/// </summary>
internal static class RequestsMigration
{
    public const string Sql = """
        ALTER TABLE requests ADD COLUMN ended_at BIGINT NULL;
        UPDATE requests SET ended_at = COALESCE(
            (SELECT MAX(e.at) FROM events e WHERE e.subject = requests.id AND e.kind = 'request'), submitted_at)
            WHERE state NOT IN ('Queued', 'Granted');
        CREATE INDEX ix_requests_open ON requests (submitted_at, id) WHERE ended_at IS NULL;
        CREATE INDEX ix_requests_ended ON requests (ended_at) WHERE ended_at IS NOT NULL;
        """;
}
