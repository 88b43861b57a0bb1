using TestFarm.Kubernetes.Addons;
using TestFarm.Kubernetes.Client;
using TestFarm.Lab.Cluster;
using TestFarm.Testing;

namespace TestFarm.Kubernetes.Tests;

/// <summary>A simulated cluster on loopback with short real-time delays, and a farm client for it.</summary>
public sealed class SimulatedClusterHarness : IAsyncDisposable
{
    private SimulatedClusterHarness(SimulatedCluster cluster, StaticNodeSource nodes, KubernetesClient client, TempDirectory dir)
    {
        Cluster = cluster;
        Nodes = nodes;
        Client = client;
        Directory = dir;
    }

    public SimulatedCluster Cluster { get; }
    public StaticNodeSource Nodes { get; }
    public KubernetesClient Client { get; }
    public TempDirectory Directory { get; }
    public string KubeconfigPath => Directory.File("kubeconfig");

    public static readonly AddonOptions AddonOptions = new()
    {
        Sources = Kubernetes.Addons.Catalogue.AddonSources.InFolder(Fixtures.Shared("manifests")),
        ReadyTimeout = TimeSpan.FromSeconds(20),
        PollInterval = TimeSpan.FromMilliseconds(50),
        AddressRanges = ["10.20.30.0/29"],
    };

    public static async Task<SimulatedClusterHarness> StartAsync(int nodes = 3)
    {
        var source = StaticNodeSource.Generic(nodes);
        var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions
        {
            PodReadyDelay = TimeSpan.FromMilliseconds(200),
            ReconcileInterval = TimeSpan.FromMilliseconds(50),
            BookmarkInterval = TimeSpan.FromMilliseconds(200),
        }, source, TimeProvider.System);
        var dir = new TempDirectory("k8s-client");
        cluster.WriteKubeconfig(dir.File("kubeconfig"));
        var client = KubernetesClient.FromKubeconfigFile(dir.File("kubeconfig"), options: new KubernetesClientOptions { RequestTimeout = TimeSpan.FromSeconds(10) });
        return new SimulatedClusterHarness(cluster, source, client, dir);
    }

    public AddonContext AddonContext() => new(Client, Client.Discovery,
        Nodes.GetNodes().Select(n => new AddonNode(n.Name, n.OsdDevices)).ToList(), TimeProvider.System);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Cluster.DisposeAsync();
        Directory.Dispose();
    }
}
