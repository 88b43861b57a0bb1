using Dapper;

namespace TestFarm.Storage.Sql;

/// <summary>A run as listed: its plan, trigger and when it started and finished (null while running).</summary>
public sealed record RunSummary(string Id, string Plan, string Trigger, DateTimeOffset Started, DateTimeOffset? Finished);

public sealed partial class SqlFarmStore
{
    /// <summary>The newest runs first (read-only; no schema change).</summary>
    public Task<IReadOnlyList<RunSummary>> ListRunsAsync(int limit = 100, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<RunSummary>>("list runs", async c =>
            (await c.QueryAsync<(string id, string plan, string trigger_kind, long started_at, long? finished_at)>(
                "SELECT id, plan, trigger_kind, started_at, finished_at FROM runs ORDER BY started_at DESC, id LIMIT @limit", new { limit }).ConfigureAwait(false))
            .Select(r => new RunSummary(r.id, r.plan, r.trigger_kind, At(r.started_at), r.finished_at is { } f ? At(f) : null)).ToList(), ct);
}
