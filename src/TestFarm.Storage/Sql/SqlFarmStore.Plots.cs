using Dapper;

namespace TestFarm.Storage.Sql;

/// <summary>One finished run's tests for the pass-rate plot: the non-skipped ones and how many of them passed (flaky counts as passed).</summary>
public sealed record RunPassRate(string RunId, DateTimeOffset Started, int Counted, int Passed)
{
    /// <summary>Percent passed, or null when the run counted no test.</summary>
    public double? Rate => Counted == 0 ? null : 100.0 * Passed / Counted;
}

/// <summary>One request's wait in the queue: from submission to its grant (or its end without one; still waiting when both are null).</summary>
public sealed record QueueWait(DateTimeOffset Submitted, DateTimeOffset? Granted, DateTimeOffset? Ended)
{
    /// <summary>When the request stopped waiting, or null while it still waits.</summary>
    public DateTimeOffset? Left => Granted ?? Ended;
}

/// <summary>The dashboard plots' reads: pass rate over a plan's newest runs, and the queue's waits over a window.</summary>
public sealed partial class SqlFarmStore
{
    /// <summary>A plan's newest <paramref name="limit"/> finished runs, oldest first, with their counted and passed tests; one query.</summary>
    public Task<IReadOnlyList<RunPassRate>> RunPassRatesAsync(string plan, int limit, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<RunPassRate>>("run pass rates of " + plan, async c =>
            (await c.QueryAsync<(string id, long started_at, long counted, long passed)>(
                """
                SELECT u.id, u.started_at, COUNT(r.test_id) AS counted,
                       COALESCE(SUM(CASE WHEN r.verdict IN ('Passed', 'Flaky') THEN 1 ELSE 0 END), 0) AS passed
                FROM (SELECT id, started_at FROM runs WHERE plan = @plan AND finished_at IS NOT NULL ORDER BY started_at DESC, id LIMIT @limit) u
                LEFT JOIN results r ON r.run_id = u.id AND r.verdict <> 'Skipped'
                GROUP BY u.id, u.started_at ORDER BY u.started_at, u.id
                """, new { plan, limit }).ConfigureAwait(false))
            .Select(r => new RunPassRate(r.id, At(r.started_at), (int)r.counted, (int)r.passed)).ToList(), ct);

    /// <summary>
    /// Every request that waited in the queue at some time in [<paramref name="from"/>, <paramref name="to"/>): submitted before
    /// <paramref name="to"/> and granted (its lease's grant), ended, or still waiting at or after <paramref name="from"/>.
    /// </summary>
    public Task<IReadOnlyList<QueueWait>> QueueWaitsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<QueueWait>>("queue waits", async c =>
            (await c.QueryAsync<(long submitted_at, long? granted_at, long? ended_at)>(
                """
                SELECT r.submitted_at, l.granted_at, r.ended_at
                FROM requests r LEFT JOIN leases l ON l.id = r.lease_id
                WHERE r.submitted_at < @to AND (r.ended_at IS NULL OR r.ended_at >= @from) AND (l.granted_at IS NULL OR l.granted_at >= @from)
                ORDER BY r.submitted_at
                """, new { from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds() }).ConfigureAwait(false))
            .Select(r => new QueueWait(At(r.submitted_at), r.granted_at is { } g ? At(g) : null, r.ended_at is { } e ? At(e) : null)).ToList(), ct);
}
