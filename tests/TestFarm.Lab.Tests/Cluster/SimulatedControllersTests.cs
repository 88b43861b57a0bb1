using System.Text.Json.Nodes;
using TestFarm.Lab.Cluster;
using TestFarm.Testing;

namespace TestFarm.Lab.Tests.Cluster;

/// <summary>The simulated controllers on a fake clock: pods appear, turn Ready after the delay, follow node power.</summary>
public sealed class SimulatedControllersTests
{
    private static readonly SimulatedClusterOptions Options = new()
    {
        PodReadyDelay = TimeSpan.FromSeconds(5),
        ReconcileInterval = TimeSpan.FromSeconds(1),
    };

    private static JsonObject Deployment(string name, int replicas) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox" }) },
            },
        },
    };

    [Test]
    public async Task Deployment_pods_become_ready_after_the_delay_and_follow_node_power()
    {
        var time = new FakeTimeProvider();
        var nodes = StaticNodeSource.Generic(2);
        await using var cluster = await SimulatedCluster.StartAsync(Options, nodes, time);
        var deployments = cluster.Catalog.Find("apps", "v1", "deployments")!;
        var pods = cluster.Catalog.Find("", "v1", "pods")!;
        cluster.Store.Put(deployments, Deployment("web", 2));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(cluster.Store.List(pods, "default"), Has.Count.EqualTo(2));
        Assert.That(cluster.Store.Get(deployments, "default", "web")!["status"]!["readyReplicas"]!.GetValue<int>(), Is.Zero);

        time.Advance(TimeSpan.FromSeconds(6));
        var status = cluster.Store.Get(deployments, "default", "web")!["status"]!;
        Assert.That(status["readyReplicas"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(status["conditions"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("True"));

        nodes.SetPower("node-1", false);
        nodes.SetPower("node-2", false);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(cluster.Store.Get(deployments, "default", "web")!["status"]!["readyReplicas"]!.GetValue<int>(), Is.Zero);
        var node = cluster.Store.Get(cluster.Catalog.Find("", "v1", "nodes")!, null, "node-1")!;
        Assert.That(NodeController.IsReady(node), Is.False);
    }

    [Test]
    public async Task A_bare_pod_is_bound_to_a_ready_node_matching_its_selector_and_becomes_ready()
    {
        var time = new FakeTimeProvider();
        await using var cluster = await SimulatedCluster.StartAsync(Options, StaticNodeSource.Generic(2), time);
        var pods = cluster.Catalog.Find("", "v1", "pods")!;
        cluster.Store.Put(pods, new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "probe", ["namespace"] = "default" },
            ["spec"] = new JsonObject
            {
                ["nodeSelector"] = new JsonObject { ["kubernetes.io/hostname"] = "node-2" },
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox" }),
            },
        });
        cluster.Store.Put(pods, new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "nowhere", ["namespace"] = "default" },
            ["spec"] = new JsonObject
            {
                ["nodeSelector"] = new JsonObject { ["kubernetes.io/hostname"] = "node-9" },
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox" }),
            },
        });

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(cluster.Store.Get(pods, "default", "probe")!["spec"]!["nodeName"]!.GetValue<string>(), Is.EqualTo("node-2"));
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.That(WorkloadController.IsPodReady(cluster.Store.Get(pods, "default", "probe")!), Is.True);
        var pending = cluster.Store.Get(pods, "default", "nowhere")!;
        Assert.That(pending["spec"]!["nodeName"], Is.Null);
        Assert.That(pending["status"]!["phase"]!.GetValue<string>(), Is.EqualTo("Pending"));
    }

    [Test]
    public async Task Deleted_pods_are_recreated()
    {
        var time = new FakeTimeProvider();
        await using var cluster = await SimulatedCluster.StartAsync(Options, StaticNodeSource.Generic(1), time);
        var pods = cluster.Catalog.Find("", "v1", "pods")!;
        cluster.Store.Put(cluster.Catalog.Find("apps", "v1", "deployments")!, Deployment("api", 1));
        cluster.ReconcileNow();
        var first = cluster.Store.List(pods, "default").Single()["metadata"]!["name"]!.GetValue<string>();

        cluster.Store.Delete(pods, "default", first);
        time.Advance(TimeSpan.FromSeconds(1));

        var second = cluster.Store.List(pods, "default").Single()["metadata"]!["name"]!.GetValue<string>();
        Assert.That(second, Is.Not.EqualTo(first));
    }
}
