using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Orchestration.Backends;
using TestFarm.Orchestration.Pipeline;

namespace TestFarm.Server.Runs;

/// <summary>The engine's view of a backend, built by DI from the ports its <c>Add…Machines()</c> registered.</summary>
public sealed class FarmBackend(FarmMachines machines, IMachineProvisioner provisioner, IClusterBringUp clusters, ISuiteRunner suites, IBmcClientFactory bmcs)
    : IFarmBackend
{
    public PoolInventory Pool => machines.Pool;
    public IReadOnlyDictionary<string, HardwareProfile> Profiles => machines.Profiles;
    public string BuildId => machines.BuildId;
    public string ArtifactsRoot => machines.ArtifactsRoot;
    public IMachineProvisioner Provisioner => provisioner;
    public IClusterBringUp Clusters => clusters;
    public ISuiteRunner Suites => suites;
    public IBmcClientFactory Bmcs => bmcs;
}
