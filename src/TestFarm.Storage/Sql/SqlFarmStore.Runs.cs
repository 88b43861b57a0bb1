using System.Text.Json;
using Dapper;
using TestFarm.Core.Leases;
using TestFarm.Core.Results;
using TestFarm.Core.Scheduling;

namespace TestFarm.Storage.Sql;

public sealed partial class SqlFarmStore
{
    public Task EnqueueAsync(ReservationRequest request, CancellationToken ct = default) =>
        WriteAsync("enqueue " + request.Id, async (c, tx) =>
        {
            var now = Now;
            await c.ExecuteAsync("INSERT INTO requests (id, payload, priority, repository, submitted_at, state) VALUES (@Id, @payload, @priority, @Repository, @at, 'Queued')",
                new { request.Id, payload = JsonSerializer.Serialize(request, StorageJson.Default.ReservationRequest), priority = request.Priority.ToString(), request.Repository,
                    at = request.SubmittedAt.ToUnixTimeMilliseconds() }, tx).ConfigureAwait(false);
            await InsertEventAsync(c, tx, "request", request.Id, null, nameof(RequestState.Queued), $"{request.Priority} from {request.Repository}", null, now).ConfigureAwait(false);
            return 0;
        }, ct);

    public Task SetStateAsync(string requestId, RequestState state, string? reason, string? leaseId = null, CancellationToken ct = default) =>
        WriteAsync("request state " + requestId, async (c, tx) =>
        {
            var from = await c.QuerySingleOrDefaultAsync<string>($"SELECT state FROM requests WHERE id = @requestId{_db.ForUpdate}", new { requestId }, tx).ConfigureAwait(false)
                ?? throw new KeyNotFoundException($"{_db.Place}: no request '{requestId}'");
            await c.ExecuteAsync("UPDATE requests SET state = @s, reason = @reason, lease_id = @leaseId, ended_at = @endedAt WHERE id = @requestId",
                new { s = state.ToString(), reason, leaseId, requestId, endedAt = state.IsOpen() ? (long?)null : Now }, tx).ConfigureAwait(false);
            await InsertEventAsync(c, tx, "request", requestId, from, state.ToString(), reason ?? state.ToString(), leaseId, Now).ConfigureAwait(false);
            return 0;
        }, ct);

    public Task<IReadOnlyList<QueuedRequest>> ListAsync(RequestState? state = null, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<QueuedRequest>>("list requests", async c =>
        {
            // An open state is looked up through the open requests' index, never through the history.
            var where = state is null ? "" : state.Value.IsOpen() ? " WHERE ended_at IS NULL AND state = @s" : " WHERE state = @s";
            return ToRequests(await c.QueryAsync<RequestRow>($"SELECT {RequestColumns} FROM requests{where} ORDER BY submitted_at, id",
                new { s = state?.ToString() }).ConfigureAwait(false));
        }, ct);

    public Task StartRunAsync(string runId, string plan, string trigger, CancellationToken ct = default) =>
        WriteAsync("start run " + runId, async (c, tx) =>
        {
            var now = Now;
            await c.ExecuteAsync("INSERT INTO runs (id, plan, trigger_kind, started_at) VALUES (@runId, @plan, @trigger, @now)", new { runId, plan, trigger, now }, tx).ConfigureAwait(false);
            await InsertEventAsync(c, tx, "run", runId, null, "Running", $"{plan} triggered by {trigger}", null, now).ConfigureAwait(false);
            return 0;
        }, ct);

    public Task RecordCellAsync(string runId, CellResult cell, CancellationToken ct = default) =>
        WriteAsync("record cell " + cell.CellId, async (c, tx) => { await RecordCellAsync(c, tx, runId, cell).ConfigureAwait(false); return 0; }, ct);

    private async Task RecordCellAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, string runId, CellResult cell)
    {
        var now = Now;
        var duration = (long)cell.HeldFor.TotalMilliseconds;
        await c.ExecuteAsync("DELETE FROM results WHERE run_id = @runId AND cell_id = @CellId", new { runId, cell.CellId }, tx).ConfigureAwait(false);
        await c.ExecuteAsync("DELETE FROM cells WHERE run_id = @runId AND cell_id = @CellId", new { runId, cell.CellId }, tx).ConfigureAwait(false);
        await c.ExecuteAsync("INSERT INTO cells (run_id, cell_id, plan, profile, verdict, duration_ms, recorded_at, payload) VALUES (@runId, @CellId, @Plan, @Profile, @v, @duration, @now, @payload)",
            new { runId, cell.CellId, cell.Plan, cell.Profile, v = cell.Verdict.ToString(), duration, now, payload = JsonSerializer.Serialize(cell, StorageJson.Default.CellResult) }, tx).ConfigureAwait(false);
        foreach (var t in cell.Tests.DistinctBy(t => t.TestId))
        {
            await c.ExecuteAsync("INSERT INTO results (run_id, cell_id, test_id, suite, name, verdict, duration_ms) VALUES (@runId, @CellId, @TestId, @Suite, @Name, @v, @d)",
                new { runId, cell.CellId, t.TestId, t.Suite, t.Name, v = t.Verdict.ToString(), d = (long)t.Duration.TotalMilliseconds }, tx).ConfigureAwait(false);
        }
        await InsertEventAsync(c, tx, "cell", $"{runId}/{cell.CellId}", null, cell.Verdict.ToString(), $"{cell.Tests.Count} tests", null, now).ConfigureAwait(false);
    }

    public Task FinishRunAsync(string runId, CancellationToken ct = default) =>
        WriteAsync("finish run " + runId, async (c, tx) =>
        {
            var now = Now;
            await c.ExecuteAsync("UPDATE runs SET finished_at = @now WHERE id = @runId", new { now, runId }, tx).ConfigureAwait(false);
            await InsertEventAsync(c, tx, "run", runId, "Running", "Finished", "all cells recorded", null, now).ConfigureAwait(false);
            return 0;
        }, ct);

    public Task<RunResult?> GetRunAsync(string runId, CancellationToken ct = default) =>
        ReadAsync("get run " + runId, async c =>
        {
            var run = await c.QuerySingleOrDefaultAsync<(string id, string plan, string trigger_kind, long started_at, long? finished_at)>(
                "SELECT id, plan, trigger_kind, started_at, finished_at FROM runs WHERE id = @runId", new { runId }).ConfigureAwait(false);
            if (run.id is null) return null;
            var cells = await c.QueryAsync<string>("SELECT payload FROM cells WHERE run_id = @runId ORDER BY cell_id", new { runId }).ConfigureAwait(false);
            return new RunResult
            {
                RunId = run.id, Plan = run.plan, Trigger = run.trigger_kind, Started = At(run.started_at), Finished = run.finished_at is { } f ? At(f) : default,
                Cells = cells.Select(p => JsonSerializer.Deserialize(p, StorageJson.Default.CellResult)!).ToList(),
            };
        }, ct);

    public Task<IReadOnlyList<TimeSpan>> CellDurationsAsync(string plan, string profile, int limit = 50, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<TimeSpan>>("cell durations", async c =>
            (await c.QueryAsync<long>("SELECT duration_ms FROM cells WHERE plan = @plan AND profile = @profile AND verdict IN ('Passed', 'Failed', 'Flaky') ORDER BY recorded_at DESC LIMIT @limit",
                new { plan, profile, limit }).ConfigureAwait(false)).Select(ms => TimeSpan.FromMilliseconds(ms)).ToList(), ct);
}
