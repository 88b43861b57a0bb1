using Dapper;

namespace TestFarm.Storage.Sql;

/// <summary>A run as listed: its plan, trigger and when it started and finished (null while running).</summary>
public sealed record RunSummary(string Id, string Plan, string Trigger, DateTimeOffset Started, DateTimeOffset? Finished);

/// <summary>An unfinished run whose holder last beat at <see cref="BeatAt"/>.</summary>
public sealed record HeldRun(string Id, string Owner, DateTimeOffset BeatAt);

public sealed partial class SqlFarmStore
{
    /// <summary>The newest runs first (read-only; no schema change).</summary>
    public Task<IReadOnlyList<RunSummary>> ListRunsAsync(int limit = 100, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<RunSummary>>("list runs", async c =>
            (await c.QueryAsync<(string id, string plan, string trigger_kind, long started_at, long? finished_at)>(
                "SELECT id, plan, trigger_kind, started_at, finished_at FROM runs ORDER BY started_at DESC, id LIMIT @limit", new { limit }).ConfigureAwait(false))
            .Select(r => new RunSummary(r.id, r.plan, r.trigger_kind, At(r.started_at), r.finished_at is { } f ? At(f) : null)).ToList(), ct);

    /// <summary>
    /// The farm instance executing a run says it still does: the run is held by <paramref name="owner"/> until now,
    /// as a lease holder's heartbeat says. Refused (false) when another instance holds it or it has finished.
    /// </summary>
    public Task<bool> BeatRunAsync(string runId, string owner, CancellationToken ct = default) =>
        WriteAsync("beat run " + runId, async (c, tx) =>
            await c.ExecuteAsync("UPDATE runs SET owner = @owner, beat_at = @now WHERE id = @runId AND finished_at IS NULL AND (owner IS NULL OR owner = @owner)",
                new { runId, owner, now = Now }, tx).ConfigureAwait(false) == 1, ct);

    /// <summary>Unfinished runs whose holder has not beaten since <paramref name="before"/>, oldest beat first.</summary>
    public Task<IReadOnlyList<HeldRun>> ListSilentRunsAsync(DateTimeOffset before, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<HeldRun>>("list silent runs", async c =>
            (await c.QueryAsync<(string id, string owner, long beat_at)>(
                "SELECT id, owner, beat_at FROM runs WHERE finished_at IS NULL AND owner IS NOT NULL AND beat_at < @before ORDER BY beat_at, id",
                new { before = before.ToUnixTimeMilliseconds() }).ConfigureAwait(false))
            .Select(r => new HeldRun(r.id, r.owner, At(r.beat_at))).ToList(), ct);

    /// <summary>Nobody holds the run any more (it ended, or its holder was taken for dead).</summary>
    public Task DropRunHoldAsync(string runId, CancellationToken ct = default) =>
        WriteAsync("drop run hold " + runId, async (c, tx) =>
            await c.ExecuteAsync("UPDATE runs SET owner = NULL, beat_at = NULL WHERE id = @runId", new { runId }, tx).ConfigureAwait(false), ct);
}
