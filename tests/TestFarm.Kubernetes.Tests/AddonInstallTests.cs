using TestFarm.Core.Cluster;
using TestFarm.Kubernetes.Addons;
using TestFarm.Kubernetes.Client;
using TestFarm.Kubernetes.Readiness;

namespace TestFarm.Kubernetes.Tests;

/// <summary>The farm's client installs MetalLB and Rook/Ceph from the real upstream manifests on the simulated cluster.</summary>
public sealed class AddonInstallTests
{
    [Test]
    public async Task MetalLb_and_rook_install_and_report_ready()
    {
        await using var h = await SimulatedClusterHarness.StartAsync();
        var context = h.AddonContext();

        var metallb = await new MetalLbAddon(SimulatedClusterHarness.AddonOptions).InstallAsync(context);
        var rook = await new RookCephAddon(SimulatedClusterHarness.AddonOptions).InstallAsync(context);

        Assert.That(metallb.Ready, Is.True);
        Assert.That(metallb.Details, Has.Some.Contains("applied 26 objects from metallb-native.yaml"));
        Assert.That(metallb.Details, Has.Some.Match(@"LoadBalancer probe got 10\.20\.30\.\d+"));
        Assert.That(rook.Ready, Is.True);
        Assert.That(rook.Details, Has.Some.Contains("health HEALTH_OK"));
        Assert.That(rook.Details, Has.Some.Contains("6 OSDs on 3 nodes"));
    }

    [Test]
    public async Task A_killed_speaker_pod_comes_back_and_the_watch_sees_it()
    {
        await using var h = await SimulatedClusterHarness.StartAsync(2);
        await new MetalLbAddon(SimulatedClusterHarness.AddonOptions).InstallAsync(h.AddonContext());
        var speakers = await h.Client.ListWithVersionAsync(ResourceKind.Pod, MetalLbAddon.Namespace, "component=speaker");
        Assert.That(speakers.Items, Has.Count.EqualTo(2));
        var victim = speakers.Items[0]["metadata"]!["name"]!.GetValue<string>();

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<string>();
        var watch = Task.Run(async () =>
        {
            await foreach (var e in h.Client.WatchAsync(new WatchRequest(ResourceKind.Pod, MetalLbAddon.Namespace, "component=speaker"),
                               speakers.ResourceVersion, cts.Token))
            {
                seen.Add($"{e.Type} {e.Name}");
                if (e.Type == "MODIFIED" && e.Name != victim && WorkloadReadiness.Of(e.Object).Ready) return e.Name!;
            }
            return "";
        }, cts.Token);

        Assert.That(await h.Client.DeleteAsync(new ResourceRef(ResourceKind.Pod, victim, MetalLbAddon.Namespace)), Is.True);
        var replacement = await watch;

        Assert.That(seen, Does.Contain($"DELETED {victim}"));
        Assert.That(seen, Has.Some.StartsWith("ADDED speaker-"));
        Assert.That(replacement, Does.StartWith("speaker-").And.Not.EqualTo(victim));
        var ds = await new ClusterWaiter(h.Client, TimeProvider.System, TimeSpan.FromMilliseconds(50))
            .WaitRolloutAsync(new ResourceRef(ResourceKind.DaemonSet, "speaker", MetalLbAddon.Namespace), TimeSpan.FromSeconds(10));
        Assert.That(ds.Summary, Does.Contain("2/2 available"));
    }

    [Test]
    public async Task Ceph_reports_health_warn_when_an_osd_drive_is_lost()
    {
        await using var h = await SimulatedClusterHarness.StartAsync(3);
        await new RookCephAddon(SimulatedClusterHarness.AddonOptions).InstallAsync(h.AddonContext());

        h.Nodes.RemoveDevice("node-2", "nvme2n1");
        var waiter = new ClusterWaiter(h.Client, TimeProvider.System, TimeSpan.FromMilliseconds(50));
        var state = await waiter.UntilAsync(async () =>
        {
            var health = await RookCephAddon.HealthAsync(h.Client, CancellationToken.None);
            return health with { Ready = health.Summary.EndsWith("HEALTH_WARN", StringComparison.Ordinal) };
        }, TimeSpan.FromSeconds(10));

        Assert.That(state.Summary, Does.Contain("HEALTH_WARN"));
    }
}
