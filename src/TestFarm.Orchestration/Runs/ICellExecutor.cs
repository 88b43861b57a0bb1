using TestFarm.Core.Hardware;
using TestFarm.Core.Results;
using TestFarm.Orchestration.Pipeline;

namespace TestFarm.Orchestration.Runs;

/// <summary>One attempt at one cell: its run, which attempt (1 = first; a higher one retries from reserve) and the run's origin.</summary>
public sealed record CellAttemptContext(string RunId, int Attempt, RunOrigin Origin);

/// <summary>
/// The hands of a farm instance: runs one attempt of a cell through the pipeline on its backend's machines (reserve,
/// reimage, deploy, suites, clean, release). An instance without one serves the API only and takes no cell.
/// </summary>
public interface ICellExecutor
{
    /// <summary>The hardware profiles of the farm's machines: a plan's matrix expands over them.</summary>
    IReadOnlyDictionary<string, HardwareProfile> Profiles { get; }
    /// <summary>The build under test that reimaging installs.</summary>
    string BuildId { get; }
    Task<CellResult> RunAsync(CellRequest request, CellAttemptContext attempt, CancellationToken cancellationToken);
}
