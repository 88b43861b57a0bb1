using Microsoft.Extensions.Logging;
using TestFarm.Core.Hardware;
using TestFarm.Core.Results;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Orchestration.Runs;
using TestFarm.Server.Metrics;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Runs;

/// <summary>
/// The run engine's hands on this instance: one attempt of a cell through the pipeline on the backend's machines, with
/// store-backed gang reservations held by this instance, its phases written to the store (so every instance shows
/// them live) and told to any other <see cref="IRunProgress"/> registered (e.g. the lab nightly's board).
/// </summary>
public sealed class BackendCellExecutor(
    IFarmBackend backend, StoreCellReservations reservations, SqlFarmStore store, FarmMetrics metrics, TimeProvider time, ILoggerFactory loggers,
    IEnumerable<IRunProgress> listeners) : ICellExecutor
{
    private readonly IReadOnlyList<IRunProgress> _listeners = [.. listeners];

    public IReadOnlyDictionary<string, HardwareProfile> Profiles => backend.Profiles;

    public string BuildId => backend.BuildId;

    public async Task<CellResult> RunAsync(CellRequest request, CellAttemptContext attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(attempt);
        var stored = new StoreRunProgress(attempt.RunId, store, metrics, time);
        try
        {
            var pipeline = new CellPipeline(reservations.ForRun(attempt.RunId, attempt.Origin.Repository ?? "default", attempt.Attempt),
                backend.Provisioner, backend.Clusters, backend.Suites, backend.Bmcs, new Fanout([stored, .. _listeners]), time, loggers.CreateLogger<CellPipeline>());
            return await pipeline.RunAsync(request, cancellationToken);
        }
        finally
        {
            await stored.FlushAsync();
        }
    }

    private sealed class Fanout(IReadOnlyList<IRunProgress> all) : IRunProgress
    {
        public void PhaseStarted(string cellId, string phase)
        {
            foreach (var p in all) p.PhaseStarted(cellId, phase);
        }

        public void PhaseEnded(string cellId, string phase, bool succeeded, string? error)
        {
            foreach (var p in all) p.PhaseEnded(cellId, phase, succeeded, error);
        }
    }
}
