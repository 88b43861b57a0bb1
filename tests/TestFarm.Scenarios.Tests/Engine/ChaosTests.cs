using TestFarm.Scenarios.Chaos;
using TestFarm.Scenarios.Probes;
using System.Text.Json.Nodes;
using TestFarm.Core.Bmc;
using TestFarm.Core.Results;
using TestFarm.Core.Suites;

namespace TestFarm.Scenarios.Tests.Engine;

public sealed class ChaosTests
{
    [Test]
    public void CookiemonsterKillsPodsAtTheConfiguredRateAndProbesMeasureRecovery()
    {
        using var h = new CellHarness();
        var start = h.Time.GetUtcNow();
        var run = h.Run(ShippedSuites.Load("chaos-cookiemonster"));

        var kills = run.ChaosActions.Where(a => a.Action == "kill-pod" && a.Done).ToList();
        // 60s every 10s = 6 rounds, one victim in each of three namespaces per round.
        Assert.That(kills, Has.Count.EqualTo(18));
        Assert.That(kills.Select(k => k.Target.Split('/')[0]).Distinct(), Is.EquivalentTo(new[] { "kube-system", "metallb-system", "rook-ceph" }));
        Assert.That(kills.Select(k => k.At - start).Distinct().Order(), Is.EqualTo(Enumerable.Range(0, 6).Select(i => TimeSpan.FromSeconds(10 * i))));
        Assert.That(h.Cluster.Calls.Count(c => c.StartsWith("DELETE Pod", StringComparison.Ordinal)), Is.EqualTo(18));

        Assert.That(run.Tests.Where(t => t.Verdict != Verdict.Passed).Select(t => $"{t.Name} {t.Message}"), Is.Empty);
        Assert.That(run.Recoveries.Keys, Is.EquivalentTo(new[] { "kube-system-pods", "metallb-pods", "rook-ceph-pods", "ceph-health" }));
        // The last victims were killed at 50s and replaced pods start in 5s: recovery is at most the pod start delay.
        Assert.That(run.Recoveries["kube-system-pods"], Is.LessThanOrEqualTo(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public void PowerOffReallyGoesThroughTheBmcAndRecoveryIsMeasured()
    {
        using var h = new CellHarness((node, bmc, harness) =>
        {
            var now = harness.Time.GetUtcNow();
            if (bmc.State == PowerState.Off)
            {
                harness.Cluster.SetNodeReady(node, false);
                harness.Cluster.Set("ceph.rook.io/v1", "CephCluster", "rook-ceph", "rook-ceph", ["status", "ceph", "health"], "HEALTH_WARN");
            }
            else
            {
                harness.Cluster.At(now + TimeSpan.FromSeconds(20), c => c.SetNodeReady(node, true));
                harness.Cluster.At(now + TimeSpan.FromSeconds(90), c => c.Set("ceph.rook.io/v1", "CephCluster", "rook-ceph", "rook-ceph", ["status", "ceph", "health"], "HEALTH_OK"));
            }
        });
        var vip = new RecordingTransport();
        h.With(c => c with { Transport = vip });
        var run = h.Run(ShippedSuites.Load("chaos-power"));

        Assert.That(vip.Connects, Is.Not.Empty.And.All.EndsWith(":80"), "the VIP probes really connect");
        Assert.That(h.Bmcs["w-0"].Resets, Is.EqualTo(new[] { PowerIntent.ForceOff, PowerIntent.On }));
        Assert.That(h.Bmcs["w-1"].Resets, Is.Empty);
        Assert.That(h.Bmcs["cp-0"].Resets, Is.Empty);
        Assert.That(run.ChaosActions.Select(a => (a.Action, a.Target)), Is.EqualTo(new[]
        {
            ("power-off", "m-w-0"), ("powered-off (BMC reports Off)", "m-w-0"), ("power-on", "m-w-0"),
        }));
        Assert.That(run.ChaosActions[2].At - run.ChaosActions[0].At, Is.EqualTo(TimeSpan.FromSeconds(45)));
        Assert.That(run.Tests.Where(t => t.Verdict != Verdict.Passed).Select(t => t.Name), Is.Empty);
        Assert.That(run.Recoveries["metallb-vip"], Is.EqualTo(TimeSpan.Zero));
        Assert.That(run.Recoveries["nodes-ready"], Is.EqualTo(TimeSpan.FromSeconds(20)));
        Assert.That(run.Recoveries["ceph-health"], Is.EqualTo(TimeSpan.FromSeconds(90)));
        var during = run.Tests.Single(t => t.TestId == "chaos:power-off-worker:nodes-ready:during");
        Assert.That(during.Message, Does.StartWith("healthy in 0 of"));
    }

    [Test]
    public void RecoveryOverTheLimitFails()
    {
        using var h = new CellHarness((node, bmc, harness) =>
        {
            if (bmc.State == PowerState.Off) harness.Cluster.SetNodeReady(node, false);
        });
        var run = h.Run(CellHarness.Suite("power", CellHarness.Step(StepKinds.Chaos, "off", """
            action: power-off
            node: m-w-1
            duration: 10s
            probeInterval: 5s
            probes:
              - { type: nodes-ready, name: nodes, limit: 1m }
            """)));
        var recovery = run.Tests.Single(t => t.TestId == "chaos:off:nodes:recovery");
        Assert.That(recovery.Verdict, Is.EqualTo(Verdict.Failed));
        Assert.That(recovery.Message, Does.StartWith("not recovered within 60s: not ready: w-1"));
        Assert.That(run.Recoveries, Is.Empty);
        Assert.That(h.Bmcs["w-1"].Resets, Is.EqualTo(new[] { PowerIntent.ForceOff }));
    }

    [TestCase("node: m-prod-db-1", "'m-prod-db-1' is not a machine or node of cell")]
    [TestCase("node: prod-worker-7", "'prod-worker-7' is not a machine or node of cell")]
    [TestCase("node: m-w-0\ncluster: production", "cluster 'production' is not the cell's cluster 'cell-cluster'")]
    [TestCase("role: storage", "has no machine with role 'storage'")]
    public void ChaosRefusesTargetsOutsideTheCell(string target, string reason)
    {
        using var h = new CellHarness();
        var run = h.Run(CellHarness.Suite("evil", CellHarness.Step(StepKinds.Chaos, "off", "action: power-off\n" + target)));

        var result = run.Tests.Single();
        Assert.That(result.Verdict, Is.EqualTo(Verdict.InfraError));
        Assert.That(result.Message, Does.StartWith("refused: ").And.Contain(reason));
        Assert.That(h.Bmcs.Values.SelectMany(b => b.Resets), Is.Empty, "no BMC was touched");
        Assert.That(h.Cluster.Calls.Where(c => !c.StartsWith("GET", StringComparison.Ordinal) && !c.StartsWith("LIST", StringComparison.Ordinal)), Is.Empty);
        Assert.That(run.ChaosActions.Single().Done, Is.False);
    }

    [Test]
    public void PodKillsSkipPodsOnNodesOutsideTheCell()
    {
        using var h = new CellHarness();
        var foreign = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "coredns-foreign", ["namespace"] = "kube-system", ["labels"] = new JsonObject { ["k8s-app"] = "kube-dns" } },
            ["spec"] = new JsonObject { ["nodeName"] = "other-cluster-node" },
            ["status"] = new JsonObject { ["phase"] = "Running" },
        };
        h.Cluster.Seed(foreign);
        var run = h.Run(CellHarness.Suite("kill", CellHarness.Step(StepKinds.Chaos, "kill", """
            action: kill-pods
            namespace: kube-system
            labelSelector: k8s-app=kube-dns
            target: 5
            interval: 10s
            duration: 10s
            """)));
        Assert.That(h.Cluster.Calls, Has.None.Contains("coredns-foreign"));
        Assert.That(run.ChaosActions.Where(a => !a.Done).Select(a => a.Target), Is.EqualTo(new[] { "kube-system/coredns-foreign" }));
        Assert.That(run.ChaosActions.Count(a => a.Done), Is.EqualTo(2));
    }

    [Test]
    public void CordonAndDrainThroughTheApiAndRestore()
    {
        using var h = new CellHarness();
        var run = h.Run(CellHarness.Suite("drain", CellHarness.Step(StepKinds.Chaos, "drain", "action: drain\nnode: w-1\nrestoreAfter: 30s")));
        Assert.That(run.Tests.Single().Verdict, Is.EqualTo(Verdict.Passed));
        var evicted = run.ChaosActions.Where(a => a.Action == "evict-pod").Select(a => a.Target).ToList();
        Assert.That(evicted, Is.Not.Empty);
        Assert.That(evicted, Has.None.Contains("speaker"), "DaemonSet pods stay");
        Assert.That(run.ChaosActions[0].Action, Is.EqualTo("cordon"));
        Assert.That(run.ChaosActions[^1].Action, Is.EqualTo("uncordon"));
        Assert.That(h.Cluster.Snapshot("Node").Single(n => n["metadata"]!["name"]!.ToString() == "w-1")["spec"]!["unschedulable"]!.GetValue<bool>(), Is.False);
    }

    [Test]
    public async Task A_fault_is_undone_even_when_the_step_is_stopped_during_its_hold()
    {
        using var h = new CellHarness();
        h.With(c => c with { Transport = new RecordingTransport() });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30), h.Time); // inside the 45 s hold

        var run = await h.RunStoppableAsync(ShippedSuites.Load("chaos-power"), stop.Token);

        Assert.That(h.Bmcs["w-0"].Resets, Is.EqualTo(new[] { PowerIntent.ForceOff, PowerIntent.On }), "powered on again");
        Assert.That(run.Tests.Single(t => t.Name == "power-off-worker").Verdict, Is.EqualTo(Verdict.InfraError));
    }

    [TestCase(-3, 5, 0)]
    [TestCase(0, 5, 0)]
    [TestCase(2, 5, 2)]
    [TestCase(9, 5, 5)]
    public void The_wait_between_probe_rounds_is_never_negative(int leftSeconds, int intervalSeconds, int expectedSeconds) =>
        Assert.That(ChaosActions.HoldWait(TimeSpan.FromSeconds(leftSeconds), TimeSpan.FromSeconds(intervalSeconds)),
            Is.EqualTo(TimeSpan.FromSeconds(expectedSeconds)));

    private sealed class RecordingTransport : IProbeTransport
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Connects { get; } = new();
        public Task<int> HttpGetAsync(Uri url, CancellationToken cancellationToken) => Task.FromResult(200);
        public Task TcpConnectAsync(string host, int port, CancellationToken cancellationToken)
        {
            Connects.Enqueue($"{host}:{port}");
            return Task.CompletedTask;
        }
    }
}
