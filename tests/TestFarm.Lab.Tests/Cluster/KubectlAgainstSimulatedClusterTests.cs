using TestFarm.Lab.Cluster;
using TestFarm.Testing;
using TestFarm.Testing.Kubernetes;

namespace TestFarm.Lab.Tests.Cluster;

/// <summary>The real kubectl 1.32 is the judge: apply the real MetalLB and Rook manifests, get, wait.</summary>
[NonParallelizable]
public sealed class KubectlAgainstSimulatedClusterTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private TempDirectory _dir = null!;
    private SimulatedCluster _cluster = null!;
    private Kubectl _kubectl = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _dir = new TempDirectory("kubectl-sim");
        var options = new SimulatedClusterOptions
        {
            PodReadyDelay = TimeSpan.FromMilliseconds(300),
            ReconcileInterval = TimeSpan.FromMilliseconds(100),
        };
        _cluster = await SimulatedCluster.StartAsync(options, StaticNodeSource.Generic(3), TimeProvider.System);
        _cluster.WriteKubeconfig(_dir.File("kubeconfig"));
        _kubectl = new Kubectl(_dir.File("kubeconfig"), _dir.File("cache"));
    }

    [TearDown]
    public async Task StopAsync()
    {
        await _cluster.DisposeAsync();
        _dir.Dispose();
    }

    public void Dispose() => _dir?.Dispose();

    [Test]
    public async Task Kubectl_applies_metallb_native_server_side_and_waits_for_the_controller()
    {
        var manifest = Fixtures.Shared("manifests", "metallb-v0.15.3", "metallb-native.yaml");
        var apply = await _kubectl.RunAsync(Bound, "apply", "--server-side", "-f", manifest);
        Assert.That(apply.ExitCode, Is.EqualTo(0), apply.ToString());
        Assert.That(apply.Stdout, Does.Contain("deployment.apps/controller serverside-applied"));
        Assert.That(apply.Stdout, Does.Contain("customresourcedefinition.apiextensions.k8s.io/ipaddresspools.metallb.io serverside-applied"));

        var wait = await _kubectl.RunAsync(Bound, "wait", "--for=condition=Available", "deployment/controller",
            "-n", "metallb-system", "--timeout=30s");
        Assert.That(wait.ExitCode, Is.EqualTo(0), wait.ToString());
        Assert.That(wait.Stdout, Does.Contain("condition met"));
        // The speakers (a DaemonSet) come up on their own schedule: wait for them as a user would.
        var speakers = await _kubectl.RunAsync(Bound, "wait", "--for=condition=Ready", "pod", "-l", "component=speaker",
            "-n", "metallb-system", "--timeout=30s");
        Assert.That(speakers.ExitCode, Is.EqualTo(0), speakers.ToString());

        var get = await _kubectl.RunAsync(Bound, "get", "nodes,pods", "-A");
        Assert.That(get.ExitCode, Is.EqualTo(0), get.ToString());
        Assert.That(get.Stdout, Does.Match(@"node/node-3\s+Ready\s+worker"));
        Assert.That(get.Stdout, Does.Match(@"metallb-system\s+pod/speaker-\w+\s+1/1\s+Running"));
    }

    [Test]
    public async Task Kubectl_applies_the_rook_crds_common_and_operator_server_side()
    {
        foreach (var file in new[] { "crds.yaml", "common.yaml", "operator.yaml" })
        {
            var result = await _kubectl.RunAsync(Bound, "apply", "--server-side", "-f", Fixtures.Shared("manifests", "rook-v1.17.9", file));
            Assert.That(result.ExitCode, Is.EqualTo(0), file + ": " + result);
        }
        var wait = await _kubectl.RunAsync(Bound, "wait", "--for=condition=Available", "deployment/rook-ceph-operator",
            "-n", "rook-ceph", "--timeout=30s");
        Assert.That(wait.ExitCode, Is.EqualTo(0), wait.ToString());

        var crds = await _kubectl.RunAsync(Bound, "get", "crd", "cephclusters.ceph.rook.io", "-o", "jsonpath={.status.conditions[?(@.type=='Established')].status}");
        Assert.That(crds.Stdout, Is.EqualTo("True"), crds.ToString());
    }

    [Test]
    public async Task Kubectl_sees_the_simulation_label_and_status_errors()
    {
        var version = await _kubectl.RunAsync(Bound, "version", "-o", "json");
        Assert.That(version.Stdout, Does.Contain("testfarm-simulation"), version.ToString());

        var missing = await _kubectl.RunAsync(Bound, "get", "deployment", "nope", "-n", "default");
        Assert.That(missing.ExitCode, Is.Not.EqualTo(0));
        Assert.That(missing.Stderr, Does.Contain("\"nope\" not found"), missing.ToString());
    }
}
