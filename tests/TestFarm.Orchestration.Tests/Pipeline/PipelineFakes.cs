using TestFarm.Core.Machines;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using TestFarm.Core.Bmc;
using TestFarm.Core.Cluster;
using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Core.Pool;
using TestFarm.Core.Results;
using TestFarm.Core.Suites;
using TestFarm.Orchestration.Pipeline;

namespace TestFarm.Orchestration.Tests.Pipeline;

internal static class Sample
{
    public static readonly HardwareProfile Profile = new()
    {
        Name = "small", Arch = CpuArchitecture.Amd64, MemoryGiB = 4,
        Cpu = new CpuSpec { Vendor = "AMD", Model = "EPYC", Cores = 2 },
    };

    public static CellMachine Machine(string id, string role = "worker") => new(new PoolMachine
    {
        Id = id, Profile = "small", ProvisioningMac = "52:54:00:00:00:01",
        Bmc = new BmcEndpoint { Url = new Uri($"http://127.0.0.1:1/bmc/{id}"), Credentials = new CredentialReference { User = "admin" } },
    }, Profile, role);

    public static readonly Plan Plan = new()
    {
        Name = "nightly",
        Trigger = new PlanTrigger { Kind = TriggerKind.Nightly },
        Matrix = new PlanMatrix(),
        Cluster = new ClusterSpec { Deployer = "lab", KubernetesVersion = "1.32.4" },
        Timeouts = new Dictionary<string, TimeSpan> { ["deploy"] = TimeSpan.FromMinutes(10) },
    };

    public static CellRequest Request(params Suite[] suites) => new()
    {
        Cell = new MatrixCell { Id = "nightly/small/1cp", Plan = "nightly", Profile = "small", Topology = new Topology { Name = "1cp" } },
        Plan = Plan, Suites = suites, BuildId = "build-1", ArtifactsDirectory = Path.GetTempPath(),
        HeartbeatInterval = TimeSpan.FromSeconds(20),
    };
}

internal sealed class FakeReservations(params CellMachine[] machines) : ICellReservations
{
    public List<CellMachine> Spares { get; } = [];
    public Exception? ReserveError { get; set; }
    public int Heartbeats;
    public IReadOnlyDictionary<string, string>? ReleasedSuspect { get; private set; }

    public Task<CellLease> ReserveAsync(MatrixCell cell, Plan plan, CancellationToken cancellationToken) =>
        ReserveError is { } e ? Task.FromException<CellLease>(e) : Task.FromResult(new CellLease("lease-1", machines, Spares));

    public Task HeartbeatAsync(CellLease lease, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Heartbeats);
        return Task.CompletedTask;
    }

    public ConcurrentQueue<string> Marks { get; } = new();
    public ConcurrentQueue<string> PhasesRecorded { get; } = new();

    public Task RecordPhaseAsync(CellLease lease, string phase, CancellationToken cancellationToken)
    {
        PhasesRecorded.Enqueue(phase);
        return Task.CompletedTask;
    }

    public Task MarkAsync(CellLease lease, IReadOnlyList<string> machineIds, MachineState to, string reason, CancellationToken cancellationToken)
    {
        foreach (var id in machineIds) Marks.Enqueue($"{id} {to}");
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(CellLease lease, IReadOnlyDictionary<string, string> suspect, CancellationToken cancellationToken)
    {
        ReleasedSuspect = new Dictionary<string, string>(suspect);
        return Task.CompletedTask;
    }

    /// <summary>What <see cref="HoldAsync"/> answers (a reservation id, or null: refused).</summary>
    public string? HoldAnswer { get; set; }
    public List<CellHold> Holds { get; } = [];

    public Task<string?> HoldAsync(CellLease lease, CellHold hold, CancellationToken cancellationToken)
    {
        Holds.Add(hold);
        return Task.FromResult(HoldAnswer);
    }
}

internal sealed class FakeProvisioner : IMachineProvisioner
{
    public ConcurrentDictionary<string, ProvisionResult> Failures { get; } = new();
    public ConcurrentBag<string> Reimaged { get; } = [];
    public ConcurrentBag<string> Cleaned { get; } = [];

    public async Task<ProvisionResult> ReimageAsync(CellMachine machine, string buildId, bool trusted,
        Func<CancellationToken, Task> heartbeat, CancellationToken cancellationToken)
    {
        await heartbeat(cancellationToken);
        Reimaged.Add(machine.Machine.Id);
        return Failures.TryGetValue(machine.Machine.Id, out var f) ? f : new ProvisionResult { Succeeded = true, ImageDigest = "sha256:abc" };
    }

    public Task<ProvisionResult> CleanAsync(CellMachine machine, bool trusted, Func<CancellationToken, Task> heartbeat, CancellationToken cancellationToken)
    {
        Cleaned.Add(machine.Machine.Id);
        return Task.FromResult(new ProvisionResult { Succeeded = true });
    }
}

internal sealed class FakeClusters : IClusterBringUp
{
    public TaskCompletionSource? HoldDeploy { get; set; }

    public async Task<ClusterHandle> DeployAsync(MatrixCell cell, Plan plan, CellLease lease, string artifactsDirectory, CancellationToken cancellationToken)
    {
        if (HoldDeploy is { } hold) await hold.Task.WaitAsync(cancellationToken);
        return new ClusterHandle(new NoClusterApi(), new Dictionary<string, string> { ["kubernetes"] = "v1.32.4" }, null);
    }

    public Task<IReadOnlyDictionary<string, string>> WaitAddOnsReadyAsync(ClusterHandle cluster, Plan plan, CellLease lease, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string> { ["metallb"] = "v0.15.3" });

    private sealed class NoClusterApi : IClusterApi
    {
        public Task<JsonObject?> GetAsync(ResourceRef resource, CancellationToken cancellationToken = default) => Task.FromResult<JsonObject?>(null);
        public Task<IReadOnlyList<JsonObject>> ListAsync(ResourceKind kind, string? ns = null, string? labelSelector = null, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<JsonObject>>([]);
        public Task<JsonObject> ApplyAsync(JsonObject obj, CancellationToken cancellationToken = default) => Task.FromResult(obj);
        public Task<bool> DeleteAsync(ResourceRef resource, CancellationToken cancellationToken = default) => Task.FromResult(false);
    }
}

/// <summary>Each step of a suite becomes one test whose verdict is the step's name ("Passed", "Failed", "throw").</summary>
internal sealed class ScriptedSuites : ISuiteRunner
{
    public Task<SuiteOutcome> RunAsync(Suite suite, SuiteContext context, CancellationToken cancellationToken)
    {
        if (suite.Steps.Any(s => s.Name == "throw")) throw new InvalidOperationException("sonobuoy unreachable");
        if (suite.Steps.Any(s => s.Name == "hang")) return new TaskCompletionSource<SuiteOutcome>().Task; // deaf to its token
        if (suite.Steps.Any(s => s.Name == "slow")) return SlowAsync(suite, cancellationToken);
        IReadOnlyList<TestResult> results = [.. suite.Steps.Select(s => new TestResult
        {
            TestId = $"{suite.Name}/{s.Name}", Name = s.Name, Suite = suite.Name, Verdict = Enum.Parse<Verdict>(s.Name),
        })];
        return Task.FromResult(new SuiteOutcome(results, new Dictionary<string, TimeSpan> { ["vip"] = TimeSpan.FromSeconds(3) }));
    }

    /// <summary>Like the suite engine: stops at cancellation and returns what ran, the rest an infra-error.</summary>
    private static async Task<SuiteOutcome> SlowAsync(Suite suite, CancellationToken cancellationToken)
    {
        try { await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken); }
        catch (OperationCanceledException) { }
        return new SuiteOutcome(
        [
            new TestResult { TestId = $"{suite.Name}/first", Name = "first", Suite = suite.Name, Verdict = Verdict.Passed },
            new TestResult { TestId = $"{suite.Name}/slow", Name = "slow", Suite = suite.Name, Verdict = Verdict.InfraError, Message = "stopped" },
        ], new Dictionary<string, TimeSpan>());
    }

    public static Suite Suite(string name, params string[] verdicts) =>
        new() { Name = name, Steps = [.. verdicts.Select(v => new SuiteStep { Kind = "probe", Name = v })] };
}

internal sealed class NullBmcs : IBmcClientFactory
{
    public IBmcClient Create(PoolMachine machine) => throw new NotSupportedException("no BMC in these tests");
}

internal sealed class RecordingProgress : IRunProgress
{
    public ConcurrentQueue<string> Events { get; } = new();
    public void PhaseStarted(string cellId, string phase) => Events.Enqueue($"start {phase}");
    public void PhaseEnded(string cellId, string phase, bool succeeded, string? error) => Events.Enqueue($"end {phase} {(succeeded ? "ok" : "failed")}");
}
