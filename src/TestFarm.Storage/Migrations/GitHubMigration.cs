using TestFarm.Storage.Database;

namespace TestFarm.Storage.Migrations;

/// <summary>
/// Migration 11: the pull-request loop's state, shared by every instance — the GitHub outbox (<c>github_outbox</c>, a
/// claim with expiry per message), the ids of check runs and comments the farm created (<c>github_ids</c>),
/// <c>/ok-to-test</c> approvals bound to repository, pull request and head SHA (<c>github_approvals</c>), webhook delivery
/// ids (<c>webhook_deliveries</c>), and a run's exclusive key: at most one open run per key (one per plan and head SHA).
/// </summary>
internal static class GitHubMigration
{
    public static string Sql(StoreDialect d) => $"""
        CREATE TABLE github_outbox ({d.AutoIdColumn}, msg_key TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, description TEXT NOT NULL,
            created_at BIGINT NOT NULL, next_at BIGINT NOT NULL, attempts BIGINT NOT NULL, last_error TEXT NULL, failed BIGINT NOT NULL,
            status BIGINT NULL, claimed_by TEXT NULL, claim_until BIGINT NULL);
        CREATE INDEX ix_github_outbox_key ON github_outbox (msg_key, seq);
        CREATE INDEX ix_github_outbox_due ON github_outbox (failed, next_at);
        CREATE TABLE github_ids (id_key TEXT PRIMARY KEY, github_id BIGINT NOT NULL, updated_at BIGINT NOT NULL);
        CREATE TABLE github_approvals (repository TEXT NOT NULL, pull_request INTEGER NOT NULL, head_sha TEXT NOT NULL, approver TEXT NOT NULL,
            approved_at BIGINT NOT NULL, PRIMARY KEY (repository, pull_request, head_sha));
        CREATE TABLE webhook_deliveries (delivery_id TEXT PRIMARY KEY, received_at BIGINT NOT NULL);
        CREATE INDEX ix_webhook_deliveries_at ON webhook_deliveries (received_at);
        ALTER TABLE runs ADD COLUMN exclusive_key TEXT NULL;
        CREATE UNIQUE INDEX ux_runs_one_open ON runs (exclusive_key) WHERE exclusive_key IS NOT NULL AND state IN ('Queued', 'Running');
        """;
}
