using Dapper;
using TestFarm.Core.Runs;

namespace TestFarm.Storage.Sql;

/// <summary>What the runs list may be narrowed to; null fields do not narrow.</summary>
public sealed record RunFilter
{
    public string? Plan { get; init; }
    public string? Trigger { get; init; }
    /// <summary>A run state (Queued, Running, Passed, Failed, InfraError, Cancelled).</summary>
    public string? State { get; init; }
    /// <summary>The pull request number in the run's origin.</summary>
    public int? PullRequest { get; init; }
}

/// <summary>One test's outcome in one cell of one run, for its history.</summary>
public sealed record TestRunEntry(string RunId, string CellId, string Profile, string Plan, string Suite, string Name, string Verdict,
    DateTimeOffset Started, long DurationMs);

/// <summary>The dashboard's reads: one page of runs with their states, and a test's history (migration 12's indexes).</summary>
public sealed partial class SqlFarmStore
{
    /// <summary>Runs newest first, filtered, <paramref name="limit"/> from <paramref name="offset"/>; one query.</summary>
    public Task<IReadOnlyList<RunRecord>> ListRunPageAsync(RunFilter filter, int offset, int limit, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var where = new List<string>();
        if (filter.Plan is not null) where.Add("plan = @Plan");
        if (filter.Trigger is not null) where.Add("trigger_kind = @Trigger");
        if (filter.State is not null) where.Add("state = @State");
        if (filter.PullRequest is not null) where.Add("(origin LIKE @pr1 OR origin LIKE @pr2)");
        var sql = RunColumns + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY started_at DESC, id LIMIT @limit OFFSET @offset";
        var pr = filter.PullRequest?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ReadAsync<IReadOnlyList<RunRecord>>("list run page", async c =>
            (await c.QueryAsync<RunRow>(sql, new
            {
                filter.Plan, filter.Trigger, filter.State, limit, offset,
                pr1 = $"%\"pullRequest\":{pr},%", pr2 = $"%\"pullRequest\":{pr}}}%",
            }).ConfigureAwait(false)).Select(r => r.ToRecord()).ToList(), ct);
    }

    /// <summary>The plans and trigger kinds runs were recorded with (the runs list's filter choices).</summary>
    public Task<(IReadOnlyList<string> Plans, IReadOnlyList<string> Triggers)> RunFacetsAsync(CancellationToken ct = default) =>
        ReadAsync<(IReadOnlyList<string>, IReadOnlyList<string>)>("run facets", async c =>
            ((await c.QueryAsync<string>("SELECT DISTINCT plan FROM runs ORDER BY plan").ConfigureAwait(false)).ToList(),
             (await c.QueryAsync<string>("SELECT DISTINCT trigger_kind FROM runs ORDER BY trigger_kind").ConfigureAwait(false)).ToList()), ct);

    /// <summary>A test's newest <paramref name="limit"/> outcomes across runs and cells, newest run first.</summary>
    public Task<IReadOnlyList<TestRunEntry>> TestHistoryAsync(string testId, int limit, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<TestRunEntry>>("test history", async c =>
            (await c.QueryAsync<(string run_id, string cell_id, string profile, string plan, string suite, string name, string verdict, long started_at, long duration_ms)>(
                """
                SELECT r.run_id, r.cell_id, c.profile, c.plan, r.suite, r.name, r.verdict, u.started_at, r.duration_ms
                FROM results r JOIN cells c ON c.run_id = r.run_id AND c.cell_id = r.cell_id JOIN runs u ON u.id = r.run_id
                WHERE r.test_id = @testId ORDER BY u.started_at DESC, r.run_id, r.cell_id LIMIT @limit
                """, new { testId, limit }).ConfigureAwait(false))
            .Select(r => new TestRunEntry(r.run_id, r.cell_id, r.profile, r.plan, r.suite, r.name, r.verdict, At(r.started_at), r.duration_ms)).ToList(), ct);
}
