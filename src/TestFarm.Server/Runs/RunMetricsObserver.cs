using TestFarm.Core.Results;
using TestFarm.Orchestration.Runs;
using TestFarm.Server.Metrics;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Runs;

/// <summary>Counts the runs this instance ended on <c>/metrics</c> (<c>testfarm_runs_total</c>), by their end state.</summary>
public sealed class RunMetricsObserver(SqlFarmStore store, FarmMetrics metrics) : IRunObserver
{
    public async Task RunEndedAsync(RunResult run, RunOrigin origin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (await store.GetRunRecordAsync(run.RunId, cancellationToken) is { } record)
            metrics.CountRun(record.State.ToString().ToLowerInvariant());
    }
}
