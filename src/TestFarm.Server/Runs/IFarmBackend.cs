using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Orchestration.Pipeline;

namespace TestFarm.Server.Runs;

/// <summary>
/// What runs a cell on machines: the pool the farm hands out and the adapters of the pipeline's phases
/// (reimage and clean, cluster bring-up, suites, BMCs). The server adds the store-backed reservations.
/// </summary>
public interface IFarmBackend
{
    PoolInventory Pool { get; }
    IReadOnlyDictionary<string, HardwareProfile> Profiles { get; }
    /// <summary>The build under test that reimaging installs.</summary>
    string BuildId { get; }
    /// <summary>Where cells keep their artifacts (one folder per run and cell below it).</summary>
    string ArtifactsRoot { get; }
    IMachineProvisioner Provisioner { get; }
    IClusterBringUp Clusters { get; }
    ISuiteRunner Suites { get; }
    IBmcClientFactory Bmcs { get; }
}
