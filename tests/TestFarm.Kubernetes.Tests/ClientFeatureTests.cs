using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;
using TestFarm.Kubernetes.Client;
using TestFarm.Kubernetes.Kubeconfig;
using TestFarm.Kubernetes.Readiness;

namespace TestFarm.Kubernetes.Tests;

/// <summary>The client against the simulated API server: selectors, watch (bookmarks, 410 relist), logs, delete propagation, tokens.</summary>
public sealed class ClientFeatureTests
{
    private static JsonObject Deployment(string name, int replicas) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default", ["labels"] = new JsonObject { ["tier"] = name } },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "busybox:1.36" }) },
            },
        },
    };

    private static ClusterWaiter Waiter(IClusterApi api) => new(api, TimeProvider.System, TimeSpan.FromMilliseconds(50));

    [Test]
    public async Task Rollout_wait_list_by_label_logs_and_node_readiness()
    {
        await using var h = await SimulatedClusterHarness.StartAsync(2);
        await h.Client.ApplyAsync(Deployment("web", 3));
        await h.Client.ApplyAsync(Deployment("db", 1));

        var rollout = await Waiter(h.Client).WaitRolloutAsync(new ResourceRef(ResourceKind.Deployment, "web", "default"), TimeSpan.FromSeconds(10));
        var nodes = await Waiter(h.Client).WaitNodesReadyAsync(2, TimeSpan.FromSeconds(10));
        var webPods = await h.Client.ListAsync(ResourceKind.Pod, "default", "app=web");
        var notWeb = await h.Client.ListAsync(ResourceKind.Pod, "default", "app notin (web)");
        var log = await h.Client.GetLogsAsync("default", webPods[0]["metadata"]!["name"]!.GetValue<string>());

        Assert.That(rollout.Summary, Does.Contain("3/3 ready"));
        Assert.That(nodes.Summary, Does.StartWith("2/2 nodes Ready"));
        Assert.That(webPods, Has.Count.EqualTo(3));
        Assert.That(notWeb.Select(p => p["metadata"]!["labels"]!["app"]!.GetValue<string>()), Is.All.EqualTo("db"));
        Assert.That(log, Does.Contain("image busybox:1.36"));
    }

    [Test]
    public async Task Delete_propagation_background_removes_pods_orphan_keeps_them()
    {
        await using var h = await SimulatedClusterHarness.StartAsync(1);
        await h.Client.ApplyAsync(Deployment("gone", 1));
        await h.Client.ApplyAsync(Deployment("orphaned", 1));
        await Waiter(h.Client).WaitRolloutAsync(new ResourceRef(ResourceKind.Deployment, "gone", "default"), TimeSpan.FromSeconds(10));
        await Waiter(h.Client).WaitRolloutAsync(new ResourceRef(ResourceKind.Deployment, "orphaned", "default"), TimeSpan.FromSeconds(10));

        Assert.That(await h.Client.DeleteAsync(new ResourceRef(ResourceKind.Deployment, "gone", "default"), "Background"), Is.True);
        Assert.That(await h.Client.DeleteAsync(new ResourceRef(ResourceKind.Deployment, "orphaned", "default"), "Orphan"), Is.True);
        Assert.That(await h.Client.DeleteAsync(new ResourceRef(ResourceKind.Deployment, "never-was", "default")), Is.False);

        Assert.That(await h.Client.ListAsync(ResourceKind.Pod, "default", "app=gone"), Is.Empty);
        Assert.That(await h.Client.ListAsync(ResourceKind.Pod, "default", "app=orphaned"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Watch_from_a_compacted_version_relists_after_410_gone_then_gets_bookmarks()
    {
        await using var h = await SimulatedClusterHarness.StartAsync(1);
        var configMaps = new ResourceKind("v1", "ConfigMap");
        var start = await h.Client.ListWithVersionAsync(configMaps, "default");
        await h.Client.ApplyAsync(ConfigMap("before-compaction"));
        h.Cluster.Store.Compact();

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = new List<WatchEvent>();
        var bookmark = new TaskCompletionSource();
        var watch = Task.Run(async () =>
        {
            await foreach (var e in h.Client.WatchAsync(new WatchRequest(configMaps, "default"), start.ResourceVersion, cts.Token))
            {
                events.Add(e);
                if (e.Type == "BOOKMARK") bookmark.TrySetResult();
                if (e.Type == "ADDED" && e.Name == "after-bookmark") return;
            }
        }, cts.Token);
        await bookmark.Task.WaitAsync(cts.Token);
        await h.Client.ApplyAsync(ConfigMap("after-bookmark"));
        await watch;

        var types = events.Select(e => e.Type == "ADDED" ? "ADDED " + e.Name : e.Type).ToList();
        Assert.That(types.Take(2), Is.EqualTo(new[] { "RELISTED", "ADDED before-compaction" }));
        Assert.That(types, Does.Contain("BOOKMARK"));
        Assert.That(types.Last(), Is.EqualTo("ADDED after-bookmark"));
    }

    private static JsonObject ConfigMap(string name) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
    };

    [Test]
    public async Task A_token_kubeconfig_authenticates_and_a_wrong_token_is_refused()
    {
        await using var h = await SimulatedClusterHarness.StartAsync(1);
        var good = KubeconfigLoader.Load(h.KubeconfigPath);
        good.ClientCertificateData = null;
        good.ClientCertificateKeyData = null;
        good.AccessToken = h.Cluster.Token;
        var bad = KubeconfigLoader.Load(h.KubeconfigPath);
        bad.ClientCertificateData = null;
        bad.ClientCertificateKeyData = null;
        bad.AccessToken = "wrong";
        using var goodClient = new KubernetesClient(good);
        using var badClient = new KubernetesClient(bad);

        var nodes = await goodClient.ListAsync(ResourceKind.Node);
        var e = Assert.ThrowsAsync<ClusterApiException>(() => badClient.ListAsync(ResourceKind.Namespace));

        Assert.That(nodes, Has.Count.EqualTo(1));
        Assert.That(e!.Code, Is.EqualTo(401));
    }

    [Test]
    public async Task A_server_certificate_from_another_ca_is_refused()
    {
        await using var h = await SimulatedClusterHarness.StartAsync(1);
        await using var other = await SimulatedClusterHarness.StartAsync(1);
        var mixed = KubeconfigLoader.Load(h.KubeconfigPath);
        mixed.SslCaCerts = [X509Certificate2.CreateFromPem(other.Cluster.Certificates.CaPem)];
        using var client = new KubernetesClient(mixed);

        Assert.ThrowsAsync<ClusterApiException>(() => client.ListAsync(ResourceKind.Node));
    }
}
