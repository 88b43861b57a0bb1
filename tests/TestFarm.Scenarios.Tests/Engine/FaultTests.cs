using TestFarm.Core.Results;
using TestFarm.Core.Suites;
using TestFarm.Scenarios.Chaos;

namespace TestFarm.Scenarios.Tests.Engine;

public sealed class FaultTests
{
    private sealed class RecordingFaults : ILabFaults, INodeAgent
    {
        public List<string> Calls { get; } = [];

        public Task SetNicLinkAsync(string machineId, string nic, bool up, CancellationToken cancellationToken = default)
        { Calls.Add($"nic {machineId} {nic} {(up ? "up" : "down")}"); return Task.CompletedTask; }

        public Task PullDriveAsync(string machineId, string drive, CancellationToken cancellationToken = default)
        { Calls.Add($"pull {machineId} {drive}"); return Task.CompletedTask; }

        public Task InsertDriveAsync(string machineId, string drive, CancellationToken cancellationToken = default)
        { Calls.Add($"insert {machineId} {drive}"); return Task.CompletedTask; }

        public Task KillKubeletAsync(string nodeName, CancellationToken cancellationToken = default)
        { Calls.Add($"kubelet {nodeName}"); return Task.CompletedTask; }

        public Task StartKubeletAsync(string nodeName, CancellationToken cancellationToken = default)
        { Calls.Add($"kubelet-start {nodeName}"); return Task.CompletedTask; }

        public Task<int> KillContainersAsync(string nodeName, string? ns, CancellationToken cancellationToken = default)
        { Calls.Add($"containers {nodeName} {ns}"); return Task.FromResult(3); }
    }

    [TestCase("action: nic-down\nnode: w-0\nnic: eno2\nrestoreAfter: 20s", new[] { "nic m-w-0 eno2 down", "nic m-w-0 eno2 up" })]
    [TestCase("action: pull-drive\nrole: worker\ndrive: nvme1\nrestoreAfter: 1m", new[] { "pull m-w-0 nvme1", "insert m-w-0 nvme1" })]
    [TestCase("action: kill-kubelet\nnode: m-w-1", new[] { "kubelet w-1", "kubelet-start w-1" })]
    [TestCase("action: kill-containers\nnode: cp-0", new[] { "containers cp-0 " })]
    public void LabAndNodeAgentFaultsAreRecordedWithTheirTimes(string settings, string[] expected)
    {
        using var h = new CellHarness();
        var faults = new RecordingFaults();
        h.With(c => c with { LabFaults = faults, NodeAgent = faults });
        var start = h.Time.GetUtcNow();
        var run = h.Run(CellHarness.Suite("faults", CellHarness.Step(StepKinds.Chaos, "fault", settings)));
        Assert.That(faults.Calls, Is.EqualTo(expected));
        Assert.That(run.Tests.Single().Verdict, Is.EqualTo(Verdict.Passed));
        Assert.That(run.ChaosActions, Has.Count.EqualTo(expected.Length));
        Assert.That(run.ChaosActions[0].At, Is.EqualTo(start));
    }

    [Test]
    public void WithoutALabFaultInterfaceTheStepIsAnInfraError()
    {
        using var h = new CellHarness();
        var run = h.Run(CellHarness.Suite("faults", CellHarness.Step(StepKinds.Chaos, "nic", "action: nic-down\nnode: w-0\nnic: eno2")));
        var t = run.Tests.Single();
        Assert.That(t.Verdict, Is.EqualTo(Verdict.InfraError));
        Assert.That(t.Message, Does.Contain("no lab fault interface"));
    }
}
