using TestFarm.Kubernetes.Addons;
using TestFarm.Kubernetes.Client;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Kubernetes.Readiness;
using TestFarm.Lab.Cluster;
using TestFarm.Testing;

namespace TestFarm.Kubernetes.Tests;

/// <summary>The lab path of a cell: deploy (simulated cluster for the lease's machines) → kubeconfig → nodes Ready → add-ons ready.</summary>
public sealed class LabDeployEndToEndTests
{
    [Test]
    public async Task Lab_deployer_gives_a_kubeconfig_whose_cluster_gets_both_addons_ready()
    {
        using var dir = new TempDirectory("lab-deploy");
        SimulatedCluster? cluster = null;
        var deployer = new LabClusterDeployer(async (request, ct) =>
        {
            var nodes = new StaticNodeSource(request.Machines.Select(m => new SimulatedNode
            {
                Name = m.Name,
                Roles = m.Roles.Select(r => r == NodeRole.ControlPlane ? "control-plane" : r.ToString().ToLowerInvariant()).ToList(),
                OsdDevices = ["nvme1n1"],
            }));
            cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions
            {
                KubernetesVersion = request.KubernetesVersion,
                PodReadyDelay = TimeSpan.FromMilliseconds(100),
                ReconcileInterval = TimeSpan.FromMilliseconds(50),
            }, nodes, TimeProvider.System, cancellationToken: ct);
            return cluster.Kubeconfig;
        });
        try
        {
            var deployed = await deployer.DeployAsync(new DeployRequest
            {
                CellId = "nightly/sim/3n",
                KubernetesVersion = "1.31.4",
                ArtifactDirectory = dir.Path,
                Machines = [
                    new ClusterMachine("m1", "10.0.0.1", [NodeRole.ControlPlane, NodeRole.Worker]),
                    new ClusterMachine("m2", "10.0.0.2", [NodeRole.Worker]),
                    new ClusterMachine("m3", "10.0.0.3", [NodeRole.Worker]),
                ],
            });
            using var client = KubernetesClient.FromKubeconfigFile(deployed.KubeconfigPath);
            var nodes = await new ClusterWaiter(client, TimeProvider.System, TimeSpan.FromMilliseconds(50)).WaitNodesReadyAsync(3, TimeSpan.FromSeconds(10));
            var context = new AddonContext(client, client.Discovery, [new("m1", ["nvme1n1"]), new("m2", ["nvme1n1"]), new("m3", ["nvme1n1"])], TimeProvider.System);

            var reports = await new ClusterAddons(SimulatedClusterHarness.AddonOptions).InstallAllAsync(context);

            Assert.That(nodes.Summary, Does.StartWith("3/3 nodes Ready"));
            Assert.That(reports.Select(r => (r.Name, r.Ready)), Is.EqualTo(new[] { ("metallb", true), ("rook-ceph", true) }),
                string.Join("\n", reports.SelectMany(r => r.Details)));
            Assert.That(File.ReadAllText(deployed.LogPath), Does.Contain("simulated cluster").And.Contain("m1, m2, m3"));
            Assert.That(KubeconfigRedactor.Redact(File.ReadAllText(deployed.KubeconfigPath)), Does.Contain("client-key-data: REDACTED"));
        }
        finally
        {
            if (cluster is not null) await cluster.DisposeAsync();
        }
    }

    [Test]
    public async Task A_failing_addon_is_reported_not_ready_and_the_next_still_runs()
    {
        await using var h = await SimulatedClusterHarness.StartAsync(1);
        var broken = SimulatedClusterHarness.AddonOptions with { MetalLbVersion = "v0.0.0" };

        var reports = await new ClusterAddons([new MetalLbAddon(broken), new RookCephAddon(SimulatedClusterHarness.AddonOptions)]).InstallAllAsync(h.AddonContext());

        Assert.That(reports[0].Ready, Is.False);
        Assert.That(reports[0].Details.Single(), Does.Contain("metallb v0.0.0 is not in the add-on catalogue (known versions: v0.15.3)"));
        Assert.That(reports[1].Ready, Is.True);
    }
}
