using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Provisioning.Inventory;

namespace TestFarm.Server.Runs;

/// <summary>
/// The backend as the server's engine and reservations use it: the same machines and adapters, its provisioner wrapped so
/// that every reimage's agent report is kept in the farm's store as the machine's observed inventory
/// (<see cref="InventoryRecordingProvisioner"/>). The backend's own container is built before the store, so it cannot write there.
/// </summary>
internal sealed class ObservingBackend(IFarmBackend inner, InventoryRecorder recorder) : IFarmBackend
{
    private readonly InventoryRecordingProvisioner _provisioner = new(inner.Provisioner, recorder);

    public PoolInventory Pool => inner.Pool;
    public IReadOnlyDictionary<string, HardwareProfile> Profiles => inner.Profiles;
    public string BuildId => inner.BuildId;
    public string ArtifactsRoot => inner.ArtifactsRoot;
    public IMachineProvisioner Provisioner => _provisioner;
    public IClusterBringUp Clusters => inner.Clusters;
    public ISuiteRunner Suites => inner.Suites;
    public IBmcClientFactory Bmcs => inner.Bmcs;
}
