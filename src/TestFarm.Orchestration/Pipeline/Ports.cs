using TestFarm.Core.Machines;
using TestFarm.Core.Bmc;
using TestFarm.Core.Cluster;
using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Core.Pool;
using TestFarm.Core.Results;
using TestFarm.Core.Suites;

namespace TestFarm.Orchestration.Pipeline;

/// <summary>A machine held for a cell, with the role it plays in the cell's topology.</summary>
public sealed record CellMachine(PoolMachine Machine, HardwareProfile Profile, string Role);

/// <summary>The machines a cell holds under one lease.</summary>
public sealed record CellLease(string LeaseId, IReadOnlyList<CellMachine> Machines, IReadOnlyList<CellMachine> Spares);

/// <summary>Gang reservation of a cell's topology, heartbeat and release (backed by the farm store).</summary>
public interface ICellReservations
{
    /// <summary>Queues the cell's request and waits until it is claimed, all or nothing.</summary>
    Task<CellLease> ReserveAsync(MatrixCell cell, Plan plan, CancellationToken cancellationToken);

    Task HeartbeatAsync(CellLease lease, CancellationToken cancellationToken);

    /// <summary>
    /// Records a life-cycle move of machines the lease holds: Provisioning while they are reimaged, InUse once
    /// verified (DESIGN.md's machine states), with the reason for the audit trail.
    /// </summary>
    Task MarkAsync(CellLease lease, IReadOnlyList<string> machineIds, MachineState to, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Records in the audit log that the cell entered <paramref name="phase"/>, so a lease reaped later says which
    /// phase its holder died in.
    /// </summary>
    Task RecordPhaseAsync(CellLease lease, string phase, CancellationToken cancellationToken);

    /// <summary>Ends the lease; machines in <paramref name="suspect"/> go to Suspect with the reason, the rest to Cleaning/Available.</summary>
    Task ReleaseAsync(CellLease lease, IReadOnlyDictionary<string, string> suspect, CancellationToken cancellationToken);

    /// <summary>
    /// Hands the lease, uncleaned, to a person as a Ready hands-on reservation (a failed cell held, see
    /// <see cref="Core.Plans.Plan.HoldOnFailure"/>): the lease is never released, so no other cell can be granted its
    /// machines in between. Returns the reservation's id, or null when it was not held (nobody here takes holds, or the
    /// farm's policy refused); the cell then cleans and releases as usual.
    /// </summary>
    Task<string?> HoldAsync(CellLease lease, CellHold hold, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}

/// <summary>What a failed cell is held as: for whom, how long, and what it was (its profile and build).</summary>
public sealed record CellHold(string CellId, string Profile, string BuildId, string Owner, TimeSpan Duration, string Reason);

/// <summary>What reimaging one machine came to.</summary>
public sealed record ProvisionResult
{
    public required bool Succeeded { get; init; }
    /// <summary>The phase that failed (power-off, override-set, post, network-boot, agent-callback, verify).</summary>
    public string? FailedPhase { get; init; }
    public string? Error { get; init; }
    public IReadOnlyList<DriftItem> Drift { get; init; } = [];
    /// <summary>The hardware the booted machine's agent reported (reimage only; null when no agent reported).</summary>
    public ObservedHardware? Observed { get; init; }
    public string? ImageDigest { get; init; }
    /// <summary>How the machine reached the build (reimage only; null when it did not get there).</summary>
    public Core.Provisioning.BootPath? Path { get; init; }
    public IReadOnlyList<PhaseTiming> Phases { get; init; } = [];
    public IReadOnlyList<Artifact> Artifacts { get; init; } = [];
}

/// <summary>Reimage, verify and clean machines through their BMCs and network boot.</summary>
public interface IMachineProvisioner
{
    Task<ProvisionResult> ReimageAsync(CellMachine machine, string buildId, bool trusted,
        Func<CancellationToken, Task> heartbeat, CancellationToken cancellationToken);

    Task<ProvisionResult> CleanAsync(CellMachine machine, bool trusted,
        Func<CancellationToken, Task> heartbeat, CancellationToken cancellationToken);
}

/// <summary>A cluster ready for suites: its API, its add-on versions and where its kubeconfig lives.</summary>
public sealed record ClusterHandle(IClusterApi Api, IReadOnlyDictionary<string, string> Versions, string? KubeconfigPath) : IAsyncDisposable
{
    public Func<ValueTask>? OnDispose { get; init; }
    /// <summary>Stops the cluster for good (what the deployer started off the machines); a cell's pipeline leaves it to the lab's end, a hands-on reservation calls it at release.</summary>
    public Func<CancellationToken, Task>? Teardown { get; init; }
    public ValueTask DisposeAsync() => OnDispose?.Invoke() ?? ValueTask.CompletedTask;
}

/// <summary>Deploys Kubernetes on a cell's machines and brings its add-ons to ready.</summary>
public interface IClusterBringUp
{
    /// <summary>Deploys the cell's cluster; its kubeconfig and deploy log go to <paramref name="artifactsDirectory"/> (the cell's own, in its run).</summary>
    Task<ClusterHandle> DeployAsync(MatrixCell cell, Plan plan, CellLease lease, string artifactsDirectory, CancellationToken cancellationToken);

    /// <summary>Installs the plan's add-ons and waits until each is ready; returns their versions by name.</summary>
    Task<IReadOnlyDictionary<string, string>> WaitAddOnsReadyAsync(ClusterHandle cluster, Plan plan, CellLease lease, CancellationToken cancellationToken);
}

/// <summary>What a suite sees of its cell.</summary>
public sealed record SuiteContext
{
    public required MatrixCell Cell { get; init; }
    public required Plan Plan { get; init; }
    public required ClusterHandle Cluster { get; init; }
    public required IReadOnlyList<CellMachine> Machines { get; init; }
    public required Func<CellMachine, IBmcClient> Bmc { get; init; }
    public required string ArtifactsDirectory { get; init; }
    /// <summary>The lease holding the machines; state a node agent keeps (host keys seen) is this lease's only.</summary>
    public string? LeaseId { get; init; }
}

/// <summary>What one suite produced: a result per test, and recovery times measured by its probes.</summary>
public sealed record SuiteOutcome(IReadOnlyList<TestResult> Tests, IReadOnlyDictionary<string, TimeSpan> Recoveries);

/// <summary>Runs one suite's steps.</summary>
public interface ISuiteRunner
{
    Task<SuiteOutcome> RunAsync(Suite suite, SuiteContext context, CancellationToken cancellationToken);
}

/// <summary>Where the live view hears of phases starting and ending.</summary>
public interface IRunProgress
{
    void PhaseStarted(string cellId, string phase);
    void PhaseEnded(string cellId, string phase, bool succeeded, string? error);
}
