using TestFarm.Configuration;
using TestFarm.Core.Configuration;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Core.Results;
using TestFarm.Kubernetes.Addons;
using TestFarm.Kubernetes.Client;
using TestFarm.Lab.Cluster;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Probes;
using TestFarm.Scenarios.Tests.Engine;
using TestFarm.Testing;

namespace TestFarm.Scenarios.Tests.Simulated;

/// <summary>
/// The shipped api-smoke suite against the lab's simulated cluster, after the farm's own add-on installer put
/// MetalLB (pool on 127.0.0.0/8, so the VIPs are really reachable) and Rook/Ceph on it: nothing may fail.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ApiSmokeOnSimulatedClusterTests
{
    private static HardwareProfile LoadProfile(string name)
    {
        var path = Fixtures.Repo("hardware-profiles", name + ".yaml");
        var errors = new List<ConfigError>();
        var loaded = HardwareProfileLoader.Load(path, File.ReadAllText(path), errors);
        Assert.That(errors, Is.Empty);
        return loaded!.Value;
    }

    [Test, CancelAfter(180_000)]
    public async Task Api_smoke_passes_on_a_simulated_cluster_with_the_farms_addons(CancellationToken cancellationToken)
    {
        LoopbackPorts.RequireLowPorts();
        var profile = LoadProfile("epyc-9354-e810");
        var topology = new[] { ("cp-1", "control-plane"), ("w-1", "worker"), ("w-2", "worker") };
        var nodes = new StaticNodeSource(topology.Select(t => SimulatedNode.FromProfile(t.Item1, profile, t.Item2 == "control-plane" ? ["control-plane"] : ["worker"])));
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions
        {
            KubernetesVersion = "1.32.1",
            PodReadyDelay = TimeSpan.FromMilliseconds(100),
            ReconcileInterval = TimeSpan.FromMilliseconds(50),
        }, nodes, TimeProvider.System, cancellationToken: cancellationToken);
        using var dir = new TempDirectory("api-smoke-sim");
        cluster.WriteKubeconfig(dir.File("kubeconfig"));
        using var client = KubernetesClient.FromKubeconfigFile(dir.File("kubeconfig"), options: new KubernetesClientOptions { RequestTimeout = TimeSpan.FromSeconds(10) });
        var addonOptions = new AddonOptions
        {
            Sources = Kubernetes.Addons.Catalogue.AddonSources.InFolder(Fixtures.Shared("manifests")),
            ReadyTimeout = TimeSpan.FromSeconds(30),
            PollInterval = TimeSpan.FromMilliseconds(50),
            AddressRanges = [SimulatedCluster.LoopbackLoadBalancerRange],
        };
        var reports = await new ClusterAddons(addonOptions).InstallAllAsync(new AddonContext(client, client.Discovery,
            [.. nodes.GetNodes().Select(n => new AddonNode(n.Name, n.OsdDevices))], TimeProvider.System), cancellationToken);
        Assert.That(reports.Select(r => r.Ready), Is.All.True, string.Join("\n", reports.SelectMany(r => r.Details)));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var cell = new CellContext
        {
            CellId = "nightly/epyc-9354-e810/3-node", Cluster = client, ClusterName = "testfarm-lab",
            Machines = [.. topology.Select(t => new CellMachine
            {
                Machine = new PoolMachine
                {
                    Id = t.Item1, Profile = profile.Name, ProvisioningMac = "52:54:00:00:00:01",
                    Bmc = new BmcEndpoint { Url = new Uri($"http://127.0.0.1:1/bmc/{t.Item1}"), Credentials = new CredentialReference { User = "admin" } },
                },
                NodeName = t.Item1, Role = t.Item2, Bmc = new FakeBmc(),
            })],
            Profile = profile, KubernetesVersion = "v1.32.1", Time = TimeProvider.System, ArtifactsDirectory = dir.Path,
            Transport = new NetworkProbeTransport(http),
        };

        var run = await SuiteRunner.CreateDefault().RunAsync(ShippedSuites.Load("api-smoke"), cell, cancellationToken);

        foreach (var t in run.Tests) TestContext.Out.WriteLine($"{t.Verdict} {t.Name} {t.Message}");
        var failed = run.Tests.Where(t => t.Verdict is not (Verdict.Passed or Verdict.Skipped)).Select(t => $"{t.Name}: {t.Verdict} {t.Message}").ToList();
        var skipped = run.Tests.Where(t => t.Verdict == Verdict.Skipped).Select(t => $"{t.Name}: {t.SkipReason}").ToList();
        Assert.That(failed, Is.Empty, "skipped:\n" + string.Join("\n", skipped));
        Assert.That(run.Tests.Count(t => t.Verdict == Verdict.Passed), Is.GreaterThanOrEqualTo(60));
        // The only skip is the suite's own rule (kube-proxy replacement CNIs); every other check really ran.
        Assert.That(skipped, Is.EqualTo(new[]
        {
            "kube-proxy on every node: clusters with a kube-proxy replacement CNI (Cilium) run no kube-proxy; checked separately",
        }));
        Assert.That(run.Tests.Single(t => t.Name == "a LoadBalancer IP answers").Verdict, Is.EqualTo(Verdict.Passed));
    }
}
