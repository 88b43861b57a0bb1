using TestFarm.Core.Bmc;
using TestFarm.Core.Configuration;
using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Core.Pool;
using TestFarm.Core.Suites;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Server.Runs;

using TestFarm.Testing.Bmc;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// A backend over the fixture's pool file whose reimage waits until the test opens the gate (or the cell is
/// cancelled), then fails deploy: enough to hold machines under a lease and to end a run when told, fast.
/// Cleaning always succeeds and is counted.
/// </summary>
public sealed class GatedBackend(ConfigurationSet config, string artifacts) : IFarmBackend, IMachineProvisioner, IClusterBringUp, ISuiteRunner, IBmcClientFactory
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _cleaned;

    public TaskCompletionSource Reimaging { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public int Cleaned => Volatile.Read(ref _cleaned);
    public void Open() => _gate.TrySetResult();

    public PoolInventory Pool => config.Pool!.Value;
    public IReadOnlyDictionary<string, HardwareProfile> Profiles => config.Profiles.ToDictionary(p => p.Value.Name, p => p.Value, StringComparer.Ordinal);
    public string BuildId => "gated";
    public string ArtifactsRoot => artifacts;
    public IMachineProvisioner Provisioner => this;
    public IClusterBringUp Clusters => this;
    public ISuiteRunner Suites => this;
    public IBmcClientFactory Bmcs => this;

    public async Task<ProvisionResult> ReimageAsync(CellMachine machine, string buildId, bool trusted, Func<CancellationToken, Task> heartbeat, CancellationToken cancellationToken)
    {
        Reimaging.TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken);
        return new ProvisionResult { Succeeded = true };
    }

    public Task<ProvisionResult> CleanAsync(CellMachine machine, bool trusted, Func<CancellationToken, Task> heartbeat, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _cleaned);
        return Task.FromResult(new ProvisionResult { Succeeded = true });
    }

    public Task<ClusterHandle> DeployAsync(MatrixCell cell, Plan plan, CellLease lease, string artifactsDirectory, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("the gated backend deploys no cluster");

    public Task<IReadOnlyDictionary<string, string>> WaitAddOnsReadyAsync(ClusterHandle cluster, Plan plan, CellLease lease, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("the gated backend deploys no cluster");

    public Task<SuiteOutcome> RunAsync(Suite suite, SuiteContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("the gated backend runs no suite");

    /// <summary>The machines' BMCs (fakes); the pipeline of this backend never calls them, the health rounds do.</summary>
    public FakeBmcClientFactory BmcFleet { get; } = new();

    public IBmcClient Create(PoolMachine machine) => BmcFleet.Create(machine);
}
