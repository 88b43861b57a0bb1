using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;
using TestFarm.Core.Pool;
using TestFarm.Core.Results;
using TestFarm.Core.Suites;
using TestFarm.Kubernetes.Client;
using TestFarm.Lab.Backend;
using TestFarm.Lab.Cluster;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Tests.Engine;
using TestFarm.Testing;

namespace TestFarm.Scenarios.Tests.Simulated;

/// <summary>
/// <c>kill-kubelet</c> and <c>kill-containers</c> through the lab's node agent on a simulated cluster on a fake clock,
/// everything read back through KubernetesClient from the lab API server.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class NodeAgentOnSimulatedClusterTests
{
    private static readonly (string Name, string Role)[] Topology = [("cp-1", "control-plane"), ("w-1", "worker"), ("w-2", "worker")];

    private static async Task<(SimulatedCluster Cluster, KubernetesClient Client, TempDirectory Dir)> StartAsync(FakeTimeProvider time, CancellationToken ct)
    {
        var nodes = new StaticNodeSource(Topology.Select(t => new SimulatedNode { Name = t.Name, Roles = [t.Role] }));
        var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions
        {
            PodReadyDelay = TimeSpan.FromSeconds(1),
            ReconcileInterval = TimeSpan.FromSeconds(1),
            NodeMonitorGracePeriod = TimeSpan.FromSeconds(40),
            UnreachableTolerance = TimeSpan.FromSeconds(30),
        }, nodes, time, cancellationToken: ct);
        var dir = new TempDirectory("node-agent");
        cluster.WriteKubeconfig(dir.File("kubeconfig"));
        var client = KubernetesClient.FromKubeconfigFile(dir.File("kubeconfig"), options: new KubernetesClientOptions { RequestTimeout = TimeSpan.FromSeconds(10) });
        await client.ApplyAsync(JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},
             "spec":{"replicas":6,"selector":{"matchLabels":{"app":"web"}},
                     "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx:1.27"},{"name":"sidecar","image":"busybox:1.36"}]}}}}
            """)!.AsObject(), ct);
        for (var i = 0; i < 3; i++) time.Advance(TimeSpan.FromSeconds(1));
        return (cluster, client, dir);
    }

    private static CellContext Cell(KubernetesClient client, SimulatedCluster cluster, FakeTimeProvider time, string artifacts) => new()
    {
        CellId = "nightly/sim/3-node", Cluster = client, ClusterName = "testfarm-lab",
        Machines = [.. Topology.Select(t => new CellMachine
        {
            Machine = new PoolMachine
            {
                Id = t.Name, Profile = "sim", ProvisioningMac = "52:54:00:00:00:01",
                Bmc = new BmcEndpoint { Url = new Uri($"http://127.0.0.1:1/bmc/{t.Name}"), Credentials = new CredentialReference { User = "admin" } },
            },
            NodeName = t.Name, Role = t.Role, Bmc = new FakeBmc(),
        })],
        Time = time, ArtifactsDirectory = artifacts,
        NodeAgent = new LabNodeAgent(n => cluster.HasNode(n) ? cluster : null),
    };

    /// <summary>
    /// A fake clock started at the real time: the lab API server's certificates are issued on the fake clock, and the
    /// client's TLS checks them against the real one.
    /// </summary>
    private static FakeTimeProvider NowClock() => new(TimeProvider.System.GetUtcNow());

    private static async Task<List<JsonObject>> WebPodsAsync(KubernetesClient client, CancellationToken ct) =>
        [.. await client.ListAsync(ResourceKind.Pod, "default", "app=web", ct)];

    private static bool Ready(JsonObject obj) =>
        obj.Items("status", "conditions").Any(c => c.Str("type") == "Ready" && c.Str("status") == "True");

    [Test, CancelAfter(120_000)]
    public async Task Kill_kubelet_on_a_worker_makes_it_NotReady_moves_its_pods_and_recovers_within_the_limit(CancellationToken ct)
    {
        var time = NowClock();
        var (cluster, client, dir) = await StartAsync(time, ct);
        await using var _ = cluster;
        using var __ = client;
        using var ___ = dir;
        var before = await WebPodsAsync(client, ct);
        Assert.That(before.Count(p => p.Str("spec", "nodeName") == "w-1"), Is.GreaterThan(0), "the deployment has pods on w-1 before the fault");
        Assert.That(before.All(Ready), Is.True);

        // The probes' calls are real HTTP to the lab API server while this loop advances the cell's fake clock: on a loaded
        // machine a call can span many loop steps, so their timeout (on the fake clock) is the recovery limit, not 10 s.
        var suite = CellHarness.Suite("kubelet", CellHarness.Step(StepKinds.Chaos, "kill-kubelet-worker", """
            action: kill-kubelet
            node: w-1
            duration: 2m
            recoveryLimit: 1m
            probeInterval: 5s
            probeTimeout: 1m
            probes:
              - { type: nodes-ready, name: nodes-ready }
              - { type: pods-ready, name: web-pods, namespace: default, labelSelector: app=web }
            """));
        var start = time.GetUtcNow();
        var running = SuiteRunner.CreateDefault().RunAsync(suite, Cell(client, cluster, time, dir.Path), ct);

        string? readyWhileDown = null;
        DateTimeOffset? notReadyAt = null, movedAt = null;
        var taintedWhileDown = false;
        while (!running.IsCompleted && time.GetUtcNow() - start < TimeSpan.FromMinutes(10))
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            await FakeTimeProvider.LetQueuedWorkRunAsync();
            var elapsed = time.GetUtcNow() - start;
            if (elapsed >= TimeSpan.FromMinutes(2)) continue; // the kubelet is back: nothing more to see while it was down
            var node = await client.GetAsync(new ResourceRef(ResourceKind.Node, "w-1"), ct);
            var ready = node.Items("status", "conditions").First(c => c.Str("type") == "Ready").Str("status");
            if (ready != "True" && notReadyAt is null)
            {
                notReadyAt = time.GetUtcNow();
                readyWhileDown = ready;
                taintedWhileDown = node.Items("spec", "taints").Any(t => t.Str("key") == "node.kubernetes.io/unreachable" && t.Str("effect") == "NoExecute");
            }
            if (movedAt is null && notReadyAt is not null)
            {
                var pods = await WebPodsAsync(client, ct);
                if (pods.Count == 6 && pods.All(p => p.Str("spec", "nodeName") is "cp-1" or "w-2") && pods.All(Ready)) movedAt = time.GetUtcNow();
            }
        }
        var run = await running.WaitAsync(TimeSpan.FromSeconds(10), ct);
        foreach (var t in run.Tests) TestContext.Out.WriteLine($"{t.Verdict} {t.Name} {t.Message}");

        var killedAt = run.ChaosActions[0].At;
        // The node lifecycle controller's grace period (40 s) after the kill, then Unknown and tainted. The action is recorded
        // when the step's call returns, which the 0.5 s steps of this loop may place a step or two after the kubelet stopped.
        Assert.That(notReadyAt - killedAt, Is.Not.Null.And.InRange(TimeSpan.FromSeconds(39), TimeSpan.FromSeconds(42)));
        Assert.That(readyWhileDown, Is.EqualTo("Unknown"));
        Assert.That(taintedWhileDown, Is.True);
        // Evicted once the 30 s tolerance ran out, replaced on the Ready nodes before the kubelet came back.
        Assert.That(movedAt - killedAt, Is.Not.Null.And.InRange(TimeSpan.FromSeconds(70), TimeSpan.FromSeconds(75)));

        var node1 = await client.GetAsync(new ResourceRef(ResourceKind.Node, "w-1"), ct);
        Assert.That(Ready(node1!), Is.True, "w-1 is Ready again once its kubelet is back");
        Assert.That(node1.Items("spec", "taints").Any(t => t.Str("key") == "node.kubernetes.io/unreachable"), Is.False);
        Assert.That(run.ChaosActions.Select(a => a.Action), Is.EqualTo(new[] { "kill-kubelet", "start-kubelet" }));
        Assert.That(run.ChaosActions[1].At - run.ChaosActions[0].At, Is.EqualTo(TimeSpan.FromMinutes(2)));
        Assert.That(run.Tests.Single(t => t.TestId == "chaos:kill-kubelet-worker").Verdict, Is.EqualTo(Verdict.Passed));
        var recoveries = run.Tests.Where(t => t.TestId.EndsWith(":recovery", StringComparison.Ordinal)).ToList();
        Assert.That(recoveries.Select(t => t.Verdict), Is.EqualTo(new[] { Verdict.Passed, Verdict.Passed }), string.Join("\n", recoveries.Select(r => r.Message)));
        var during = run.Tests.Single(t => t.TestId == "chaos:kill-kubelet-worker:nodes-ready:during");
        Assert.That(during.Message, Does.Not.StartWith("healthy in 0 of 0"), "the probes sampled while the kubelet was down");
        Assert.That(during.Message, Does.Not.Match(@"healthy in (\d+) of \1 samples"), "nodes-ready saw the node down");
    }

    [Test, CancelAfter(60_000)]
    public async Task Kill_containers_restarts_the_nodes_containers_and_the_pods_come_back_Ready(CancellationToken ct)
    {
        var time = NowClock();
        var (cluster, client, dir) = await StartAsync(time, ct);
        await using var _ = cluster;
        using var __ = client;
        using var ___ = dir;
        var agent = new LabNodeAgent(n => cluster.HasNode(n) ? cluster : null);
        var onW2 = (await WebPodsAsync(client, ct)).Where(p => p.Str("spec", "nodeName") == "w-2").Select(p => p.Name()).ToList();
        Assert.That(onW2, Is.Not.Empty);

        var killed = await agent.KillContainersAsync("w-2", "default", ct);

        Assert.That(killed, Is.EqualTo(onW2.Count * 2), "two containers per pod");
        var after = (await WebPodsAsync(client, ct)).Where(p => onW2.Contains(p.Name())).ToList();
        Assert.That(after.Select(Ready), Is.All.False, "briefly not Ready while the containers start again");
        Assert.That(after.SelectMany(p => p.Items("status", "containerStatuses")).Select(c => c["restartCount"]!.GetValue<int>()), Is.All.EqualTo(1));
        Assert.That(after.SelectMany(p => p.Items("status", "containerStatuses")).Select(c => c.Str("lastState", "terminated", "exitCode")),
            Is.All.EqualTo("137"));

        time.Advance(TimeSpan.FromSeconds(2));
        var back = (await WebPodsAsync(client, ct)).Where(p => onW2.Contains(p.Name())).ToList();
        Assert.That(back.Select(p => p.Name()), Is.EquivalentTo(onW2), "the same pods: their containers restarted, the pods were not replaced");
        Assert.That(back.Select(Ready), Is.All.True);
        Assert.That(back.SelectMany(p => p.Items("status", "containerStatuses")).Select(c => c["restartCount"]!.GetValue<int>()), Is.All.EqualTo(1));
        var systemContainers = (await client.ListAsync(ResourceKind.Pod, "kube-system", cancellationToken: ct))
            .Where(p => p.Str("spec", "nodeName") == "w-2" && p.Str("status", "phase") == "Running").Sum(p => p.Items("spec", "containers").Count());
        Assert.That(await agent.KillContainersAsync("w-2", "kube-system", ct), Is.EqualTo(systemContainers), "only that namespace's containers");
        Assert.That((await WebPodsAsync(client, ct)).Where(p => onW2.Contains(p.Name())).SelectMany(p => p.Items("status", "containerStatuses"))
            .Select(c => c["restartCount"]!.GetValue<int>()), Is.All.EqualTo(1), "the web pods were not touched again");
        Assert.That(() => agent.KillKubeletAsync("elsewhere", ct), Throws.InvalidOperationException.With.Message.Contains("'elsewhere'"));
    }
}
