using System.Data.Common;
using System.Text.Json;
using Dapper;
using TestFarm.Core.Machines;
using TestFarm.Core.Results;
using TestFarm.Core.Runs;
using TestFarm.Storage.Database;

namespace TestFarm.Storage.Sql;

/// <summary>Runs with their state machine, and their cells as durable work items (migration 10).</summary>
public sealed partial class SqlFarmStore
{
    /// <summary>
    /// Records a Queued run, one Pending work item per cell and the opening's reports, in one transaction. Null when recorded;
    /// the id of the open run holding the opening's exclusive key when there is one (the unique index settles races).
    /// </summary>
    public async Task<string?> CreateRunAsync(string runId, string plan, string trigger, string? origin, IReadOnlyList<string> cellIds,
        RunOpening? opening = null, CancellationToken ct = default)
    {
        var key = opening?.ExclusiveKey;
        try
        {
            return await WriteAsync("create run " + runId, async (c, tx) =>
            {
                if (key is not null && await OpenRunOfKeyAsync(c, tx, key).ConfigureAwait(false) is { } open) return open;
                var now = Now;
                await c.ExecuteAsync("INSERT INTO runs (id, plan, trigger_kind, started_at, state, origin, exclusive_key) VALUES (@runId, @plan, @trigger, @now, 'Queued', @origin, @key)",
                    new { runId, plan, trigger, now, origin, key }, tx).ConfigureAwait(false);
                foreach (var cellId in cellIds)
                    await c.ExecuteAsync("INSERT INTO run_cells (run_id, cell_id, state, attempts) VALUES (@runId, @cellId, 'Pending', 0)", new { runId, cellId }, tx).ConfigureAwait(false);
                await InsertEventAsync(c, tx, "run", runId, null, nameof(RunState.Queued), $"{plan} triggered by {trigger}; {cellIds.Count} cells", null, now).ConfigureAwait(false);
                await InsertOutboxAsync(c, tx, opening?.Reports ?? [], now).ConfigureAwait(false);
                return (string?)null;
            }, ct).ConfigureAwait(false);
        }
        catch (DbException e) when (key is not null && _db.IsUniqueViolation(e))
        {
            // Another instance opened a run with this key between our check and our insert.
            return await ReadAsync("open run of " + key, c => OpenRunOfKeyAsync(c, null, key), ct).ConfigureAwait(false)
                ?? throw new StoreException(_db.Place, "create run " + runId, e.Message, e);
        }
    }

    private static Task<string?> OpenRunOfKeyAsync(DbConnection c, DbTransaction? tx, string key) =>
        c.QueryFirstOrDefaultAsync<string?>("SELECT id FROM runs WHERE exclusive_key = @key AND state IN ('Queued', 'Running')", new { key }, tx);

    public Task<RunRecord?> GetRunRecordAsync(string runId, CancellationToken ct = default) =>
        ReadAsync("get run record " + runId, async c =>
            (await c.QuerySingleOrDefaultAsync<RunRow>(RunColumns + " WHERE id = @runId", new { runId }).ConfigureAwait(false))?.ToRecord(), ct);

    /// <summary>Runs not ended yet (Queued or Running), oldest first.</summary>
    public Task<IReadOnlyList<RunRecord>> ListOpenRunsAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<RunRecord>>("list open runs", async c =>
            (await c.QueryAsync<RunRow>(RunColumns + " WHERE state IN ('Queued', 'Running') ORDER BY started_at, id").ConfigureAwait(false)).Select(r => r.ToRecord()).ToList(), ct);

    public Task<IReadOnlyList<CellWorkItem>> ListCellWorkAsync(string runId, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<CellWorkItem>>("list cell work " + runId, async c =>
            (await c.QueryAsync<(string run_id, string cell_id, string state, long attempts)>(
                "SELECT run_id, cell_id, state, attempts FROM run_cells WHERE run_id = @runId ORDER BY cell_id", new { runId }).ConfigureAwait(false))
            .Select(r => new CellWorkItem(r.run_id, r.cell_id, Enum.Parse<CellWorkState>(r.state), (int)r.attempts)).ToList(), ct);

    /// <summary>
    /// Takes the next attempt of a cell: counts it and marks the cell Running, and moves a Queued run to Running. Nothing
    /// changes when the run has ended or the cell is recorded (the answer says so). Null when the run has no such cell.
    /// </summary>
    public Task<CellAttempt?> TakeCellAttemptAsync(string runId, string cellId, string by, CancellationToken ct = default) =>
        WriteAsync("take cell " + runId + "/" + cellId, async (c, tx) =>
        {
            var run = await c.QuerySingleOrDefaultAsync<string>($"SELECT state FROM runs WHERE id = @runId{_db.ForUpdate}", new { runId }, tx).ConfigureAwait(false);
            var cell = await c.QuerySingleOrDefaultAsync<(string state, long attempts)?>(
                $"SELECT state, attempts FROM run_cells WHERE run_id = @runId AND cell_id = @cellId{_db.ForUpdate}", new { runId, cellId }, tx).ConfigureAwait(false);
            if (run is null || cell is not { } item) return null;
            var runState = Enum.Parse<RunState>(run);
            var before = Enum.Parse<CellWorkState>(item.state);
            if (RunTransitions.IsEnded(runState) || before == CellWorkState.Recorded) return new CellAttempt(runState, before, (int)item.attempts);
            var now = Now;
            await c.ExecuteAsync("UPDATE run_cells SET state = 'Running', attempts = attempts + 1 WHERE run_id = @runId AND cell_id = @cellId", new { runId, cellId }, tx).ConfigureAwait(false);
            await InsertEventAsync(c, tx, "cell-attempt", $"{runId}/{cellId}", before.ToString(), nameof(CellWorkState.Running), $"attempt {item.attempts + 1} taken by {by}", null, now).ConfigureAwait(false);
            if (runState == RunState.Queued)
            {
                await c.ExecuteAsync("UPDATE runs SET state = 'Running' WHERE id = @runId", new { runId }, tx).ConfigureAwait(false);
                await InsertEventAsync(c, tx, "run", runId, nameof(RunState.Queued), nameof(RunState.Running), $"first cell taken by {by}", null, now).ConfigureAwait(false);
                runState = RunState.Running;
            }
            return new CellAttempt(runState, before, (int)item.attempts + 1);
        }, ct);

    /// <summary>
    /// Stores a cell's result (as <see cref="RecordCellAsync"/>) and marks its work item Recorded, in one transaction;
    /// returns how many cells of the run are still not recorded.
    /// </summary>
    public Task<int> CompleteCellAsync(string runId, CellResult cell, CancellationToken ct = default) =>
        WriteAsync("complete cell " + cell.CellId, async (c, tx) =>
        {
            await RecordCellAsync(c, tx, runId, cell).ConfigureAwait(false);
            await c.ExecuteAsync("UPDATE run_cells SET state = 'Recorded' WHERE run_id = @runId AND cell_id = @CellId", new { runId, cell.CellId }, tx).ConfigureAwait(false);
            return (int)await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM run_cells WHERE run_id = @runId AND state <> 'Recorded'", new { runId }, tx).ConfigureAwait(false);
        }, ct);

    /// <summary>
    /// Ends the run exactly once: moves it to <paramref name="to"/> with its verdict, reason and finish time, guarded
    /// under the row's lock. False when it had already ended (whoever ended it first keeps that end); an illegal move
    /// (e.g. Queued → Passed) throws <see cref="IllegalTransitionException"/>.
    /// </summary>
    public Task<bool> EndRunAsync(string runId, RunState to, RunState? verdict, string reason, IReadOnlyList<Core.GitHub.OutboxMessage>? reports = null, CancellationToken ct = default) =>
        WriteAsync("end run " + runId, async (c, tx) =>
        {
            var from = await c.QuerySingleOrDefaultAsync<string>($"SELECT state FROM runs WHERE id = @runId{_db.ForUpdate}", new { runId }, tx).ConfigureAwait(false)
                ?? throw new KeyNotFoundException($"{_db.Place}: no run '{runId}'");
            var state = Enum.Parse<RunState>(from);
            if (RunTransitions.IsEnded(state)) return false;
            RunTransitions.Ensure(runId, state, to);
            var now = Now;
            var changed = await c.ExecuteAsync("UPDATE runs SET state = @to, verdict = @v, end_reason = @reason, finished_at = @now WHERE id = @runId AND state = @from",
                new { runId, to = to.ToString(), v = verdict?.ToString(), reason, now, from }, tx).ConfigureAwait(false);
            if (changed != 1) return false;
            await InsertEventAsync(c, tx, "run", runId, from, to.ToString(), reason, null, now).ConfigureAwait(false);
            await InsertOutboxAsync(c, tx, reports ?? [], now).ConfigureAwait(false);
            return true;
        }, ct);

    /// <summary>True when the cell is a work item of its run with no result yet: its job records it (after retries), nobody else.</summary>
    public Task<bool> IsCellPendingAsync(string runId, string cellId, CancellationToken ct = default) =>
        ReadAsync("cell pending " + runId, async c =>
            await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM run_cells WHERE run_id = @runId AND cell_id = @cellId AND state <> 'Recorded'", new { runId, cellId }).ConfigureAwait(false) > 0, ct);

    private const string RunColumns = "SELECT id, plan, trigger_kind, state, verdict, end_reason, started_at, finished_at, origin FROM runs";

    private sealed record RunRow(string id, string plan, string trigger_kind, string state, string? verdict, string? end_reason, long started_at, long? finished_at, string? origin)
    {
        public RunRecord ToRecord() => new()
        {
            Id = id, Plan = plan, Trigger = trigger_kind, State = Enum.Parse<RunState>(state), Verdict = verdict is null ? null : Enum.Parse<RunState>(verdict),
            EndReason = end_reason, Started = At(started_at), Finished = finished_at is { } f ? At(f) : null, Origin = origin,
        };
    }
}
