using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Results;
using TestFarm.Core.Runs;
using TestFarm.Server.Api;
using TestFarm.Server.Hosting;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Runs;

/// <summary>
/// Reads a run as the API shows it, from the store only (so any instance answers for any run): its state and verdict
/// as stored with the run, recorded cells with their phases, verdicts and artifacts, and for cells still going their
/// live phases from the phase events.
/// </summary>
public sealed class RunViews(SqlFarmStore store, FarmServerOptions options)
{
    public async Task<IReadOnlyList<RunListItem>> ListAsync(int limit, CancellationToken ct)
    {
        var list = new List<RunListItem>();
        foreach (var run in await store.ListRunsAsync(limit, ct))
        {
            var state = (await store.GetRunRecordAsync(run.Id, ct))?.State ?? RunState.Running;
            list.Add(new RunListItem(run.Id, run.Plan, run.Trigger, state.ToString(), run.Started, run.Finished, $"/api/v1/runs/{run.Id}"));
        }
        return list;
    }

    /// <summary>The run with its state machine's state (Queued, Running, Passed, Failed, InfraError, Cancelled), verdict and end reason.</summary>
    public async Task<RunView?> GetAsync(string runId, CancellationToken ct)
    {
        var record = await store.GetRunRecordAsync(runId, ct);
        var run = record is null ? null : await store.GetRunAsync(runId, ct);
        if (record is null || run is null) return null;
        var cells = run.Cells.Select(Recorded).ToList();
        var recorded = cells.Select(c => c.CellId).ToHashSet(StringComparer.Ordinal);
        foreach (var live in await LiveCellsAsync(runId, run.Plan, ct))
        {
            if (!recorded.Contains(live.CellId)) cells.Add(live);
        }
        cells.Sort((a, b) => string.CompareOrdinal(a.CellId, b.CellId));
        return new RunView(run.RunId, run.Plan, run.Trigger, record.State.ToString(), record.EndReason, run.Started, record.Finished, record.Verdict?.ToString(), cells);
    }

    private static CellView Recorded(CellResult c) => new(
        c.CellId, c.Profile, c.Topology, c.Verdict.ToString(), c.Machines,
        [.. c.Phases.Select(p => new PhaseView(p.Phase, p.Succeeded ? "Succeeded" : "Failed", p.Start, p.Duration.TotalSeconds, p.Error))],
        c.Tests.GroupBy(t => t.Verdict.ToString()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
        c.Tests,
        [.. c.Tests.SelectMany(t => t.Attachments).DistinctBy(a => a.Path)],
        c.Evidence)
    {
        ReimagePaths = c.ReimagePaths ?? new Dictionary<string, string>(), // cells stored before the field have none
    };

    private async Task<IReadOnlyList<CellView>> LiveCellsAsync(string runId, string planName, CancellationToken ct)
    {
        // The plan's cells name the subjects of their phase events (run/cell): read each cell's events.
        var plan = options.Configuration.Plan(planName);
        if (plan is null) return [];
        var cells = new List<CellView>();
        foreach (var cell in MatrixExpander.Expand(plan, options.Configuration.Profiles.Select(p => p.Value)))
        {
            var phases = new List<PhaseView>();
            foreach (var e in (await store.ReadAsync($"{runId}/{cell.Id}", 0, 1000, ct)).Where(e => e.Kind == StoreRunProgress.PhaseKind))
            {
                var open = phases.FindLastIndex(p => p.Phase == e.From && p.State == "Running");
                if (e.To == "Started" || open < 0) phases.Add(new PhaseView(e.From ?? "?", "Running", e.At, null, null));
                else phases[open] = phases[open] with { State = e.To, DurationSeconds = (e.At - phases[open].Start).TotalSeconds, Error = e.To == "Failed" ? e.Reason : null };
            }
            if (phases.Count > 0)
                cells.Add(new CellView(cell.Id, cell.Profile, cell.Topology.Name, null, [], phases, new Dictionary<string, int>(), [], [], new Dictionary<string, string>()));
        }
        return cells;
    }
}
