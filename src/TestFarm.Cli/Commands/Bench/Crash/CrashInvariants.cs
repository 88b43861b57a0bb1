using TestFarm.Core.Machines;
using TestFarm.Core.Runs;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;

namespace TestFarm.Cli.Commands.Bench.Crash;

/// <summary>
/// The invariants a crash must not break, read from the store after the farm has stopped: no machine in two leases and
/// no hold for an ended lease (<see cref="HoldAudit"/>, plain SQL), no active lease left, the run ended with a verdict,
/// every machine Available, and every cell recorded with its result (the recorded cells are the run's cells).
/// </summary>
internal static class CrashInvariants
{
    public static async Task<IReadOnlyList<string>> CheckAsync(string db, string runId, TimeProvider time, CancellationToken ct)
    {
        var problems = new List<string>();
        var postgres = db.StartsWith("postgres:", StringComparison.Ordinal);
        var where = db[(db.IndexOf(':', StringComparison.Ordinal) + 1)..];
        var store = postgres ? await SqlFarmStore.OpenPostgresAsync(where, time, ct: ct).ConfigureAwait(false)
                             : await SqlFarmStore.OpenSqliteAsync(where, time, ct: ct).ConfigureAwait(false);
        StoreDialect dialect = postgres ? new PostgresDialect(where) : new SqliteDialect(where);
        var audit = await HoldAudit.RunAsync(dialect, ct).ConfigureAwait(false);
        problems.AddRange(audit.Problems);
        var active = await store.ListLeasesAsync(activeOnly: true, ct).ConfigureAwait(false);
        problems.AddRange(active.Select(l => $"lease {l.Id} is still active (expires {l.ExpiresAt:O})"));
        var run = await store.GetRunRecordAsync(runId, ct).ConfigureAwait(false);
        if (run is null) problems.Add($"run {runId} is not in the store");
        else if (!RunTransitions.IsEnded(run.State) || run.Finished is null || run.Verdict is null)
            problems.Add($"run {runId} has not ended with a verdict: state {run.State}, finished {run.Finished?.ToString("O") ?? "null"}, verdict {run.Verdict?.ToString() ?? "null"}");
        var machines = await store.ListMachinesAsync(ct).ConfigureAwait(false);
        problems.AddRange(machines.Where(m => m.State != MachineState.Available).Select(m => $"machine {m.Id} is {m.State}, not Available"));
        var work = await store.ListCellWorkAsync(runId, ct).ConfigureAwait(false);
        problems.AddRange(work.Where(w => w.State != CellWorkState.Recorded).Select(w => $"cell {w.CellId} is {w.State}, not recorded"));
        var result = await store.GetRunAsync(runId, ct).ConfigureAwait(false);
        var recorded = result?.Cells.Select(c => c.CellId).Order(StringComparer.Ordinal).ToList() ?? [];
        var cells = work.Select(w => w.CellId).Order(StringComparer.Ordinal).ToList();
        if (!recorded.SequenceEqual(cells))
            problems.Add($"the run's recorded results ({string.Join(", ", recorded)}) are not its cells ({string.Join(", ", cells)})");
        return problems;
    }
}
