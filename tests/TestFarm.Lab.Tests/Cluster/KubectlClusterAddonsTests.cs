using System.Net.Sockets;
using TestFarm.Kubernetes.Addons;
using TestFarm.Kubernetes.Client;
using TestFarm.Kubernetes.Readiness;
using TestFarm.Lab.Cluster;
using TestFarm.Testing;
using TestFarm.Testing.Kubernetes;

namespace TestFarm.Lab.Tests.Cluster;

/// <summary>
/// The real kubectl judges what the simulated cluster looks like after the farm's add-on installer ran:
/// kube-system, storage classes, a claim that binds, a LoadBalancer VIP on loopback that answers.
/// </summary>
[NonParallelizable]
public sealed class KubectlClusterAddonsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Test, CancelAfter(120_000)]
    public async Task Kubectl_sees_kube_system_the_default_ceph_class_a_bound_claim_and_a_vip_that_answers(CancellationToken cancellationToken)
    {
        LoopbackPorts.RequireLowPorts();
        using var dir = new TempDirectory("kubectl-addons");
        var source = StaticNodeSource.Generic(3);
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions
        {
            KubernetesVersion = "1.32.1",
            PodReadyDelay = TimeSpan.FromMilliseconds(200),
            ReconcileInterval = TimeSpan.FromMilliseconds(50),
        }, source, TimeProvider.System, cancellationToken: cancellationToken);
        cluster.WriteKubeconfig(dir.File("kubeconfig"));
        var kubectl = new Kubectl(dir.File("kubeconfig"), dir.File("cache"));

        var ready = await kubectl.RunAsync(Bound, "wait", "--for=condition=Ready", "pod", "--all", "-n", "kube-system", "--timeout=30s");
        Assert.That(ready.ExitCode, Is.EqualTo(0), ready.ToString());
        var system = await kubectl.RunAsync(Bound, "get", "pods", "-n", "kube-system", "-o", "wide");
        Assert.That(system.ExitCode, Is.EqualTo(0), system.ToString());
        foreach (var component in new[] { "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler" })
            Assert.That(system.Stdout, Does.Match($@"(?m)^{component}-node-1\s+1/1\s+Running\s+0\s+\S+\s+10\.10\.0\.11\s+node-1"), system.Stdout);
        Assert.That(System.Text.RegularExpressions.Regex.Matches(system.Stdout, @"(?m)^coredns-\S+\s+1/1\s+Running"), Has.Count.EqualTo(2), system.Stdout);
        Assert.That(System.Text.RegularExpressions.Regex.Matches(system.Stdout, @"(?m)^kube-proxy-\S+\s+1/1\s+Running"), Has.Count.EqualTo(3), system.Stdout);
        var services = await kubectl.RunAsync(Bound, "get", "svc", "-A");
        Assert.That(services.Stdout, Does.Match(@"default\s+kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443/TCP"), services.ToString());
        Assert.That(services.Stdout, Does.Match(@"kube-system\s+kube-dns\s+ClusterIP\s+10\.96\.0\.10\s+<none>\s+53/UDP,53/TCP,9153/TCP"), services.ToString());

        using var client = KubernetesClient.FromKubeconfigFile(dir.File("kubeconfig"), options: new KubernetesClientOptions { RequestTimeout = TimeSpan.FromSeconds(10) });
        var reports = await new ClusterAddons(new AddonOptions
        {
            Sources = Kubernetes.Addons.Catalogue.AddonSources.InFolder(Fixtures.Shared("manifests")),
            ReadyTimeout = TimeSpan.FromSeconds(30),
            PollInterval = TimeSpan.FromMilliseconds(50),
            AddressRanges = [SimulatedCluster.LoopbackLoadBalancerRange],
        }).InstallAllAsync(new AddonContext(client, client.Discovery, [.. source.GetNodes().Select(n => new AddonNode(n.Name, n.OsdDevices))], TimeProvider.System), cancellationToken);
        Assert.That(reports.Select(r => r.Ready), Is.All.True, string.Join("\n", reports.SelectMany(r => r.Details)));

        var classes = await kubectl.RunAsync(Bound, "get", "sc");
        Assert.That(classes.Stdout, Does.Match(@"rook-ceph-block \(default\)\s+rook-ceph\.rbd\.csi\.ceph\.com\s+Delete\s+Immediate\s+true"), classes.ToString());
        var rook = await kubectl.RunAsync(Bound, "get", "pods", "-n", "rook-ceph");
        Assert.That(rook.Stdout, Does.Match(@"(?m)^rook-ceph-mon-c-\S+\s+1/1\s+Running").And.Match(@"(?m)^rook-ceph-osd-5-\S+\s+1/1\s+Running")
            .And.Match(@"(?m)^csi-rbdplugin-provisioner-\S+\s+2/2\s+Running"), rook.ToString());

        File.WriteAllText(dir.File("claim.yaml"), """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: { name: data, namespace: default }
            spec:
              accessModes: [ReadWriteOnce]
              resources: { requests: { storage: 1Gi } }
            """);
        var apply = await kubectl.RunAsync(Bound, "apply", "-f", dir.File("claim.yaml"));
        Assert.That(apply.ExitCode, Is.EqualTo(0), apply.ToString());
        var bound = await kubectl.RunAsync(Bound, "wait", "--for=jsonpath={.status.phase}=Bound", "pvc/data", "--timeout=30s");
        Assert.That(bound.ExitCode, Is.EqualTo(0), bound.ToString());
        var claims = await kubectl.RunAsync(Bound, "get", "pvc");
        Assert.That(claims.Stdout, Does.Match(@"data\s+Bound\s+pvc-[0-9a-f-]{36}\s+1Gi\s+RWO\s+rook-ceph-block"), claims.ToString());
        var volumes = await kubectl.RunAsync(Bound, "get", "pv");
        Assert.That(volumes.Stdout, Does.Match(@"pvc-[0-9a-f-]{36}\s+1Gi\s+RWO\s+Delete\s+Bound\s+default/data\s+rook-ceph-block"), volumes.ToString());

        File.WriteAllText(dir.File("web.yaml"), """
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: web, namespace: default }
            spec:
              replicas: 2
              selector: { matchLabels: { app: web } }
              template:
                metadata: { labels: { app: web } }
                spec: { containers: [ { name: http, image: registry.k8s.io/e2e-test-images/agnhost:2.53, args: [netexec, --http-port=80] } ] }
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: web, namespace: default }
            spec:
              type: LoadBalancer
              selector: { app: web }
              ports: [ { port: 80, protocol: TCP } ]
            """);
        Assert.That((await kubectl.RunAsync(Bound, "apply", "-f", dir.File("web.yaml"))).ExitCode, Is.EqualTo(0));
        Assert.That((await kubectl.RunAsync(Bound, "wait", "--for=condition=Available", "deployment/web", "--timeout=30s")).ExitCode, Is.EqualTo(0));
        var vip = await kubectl.RunAsync(Bound, "wait", "--for=jsonpath={.status.loadBalancer.ingress[0].ipMode}=VIP", "svc/web", "--timeout=30s");
        Assert.That(vip.ExitCode, Is.EqualTo(0), vip.ToString());
        var ip = (await kubectl.RunAsync(Bound, "get", "svc", "web", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}")).Stdout;
        Assert.That(ip, Does.StartWith("127.0.10."));

        var waiter = new ClusterWaiter(client, TimeProvider.System, TimeSpan.FromMilliseconds(50));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        string? body = null;
        var answered = await waiter.UntilAsync(async () =>
        {
            try { body = await http.GetStringAsync(new Uri($"http://{ip}/"), cancellationToken); }
            catch (HttpRequestException) { body = null; }
            return new ReadinessState(body is not null, $"GET http://{ip}/: {body ?? "no answer"}");
        }, TimeSpan.FromSeconds(10), cancellationToken);
        Assert.That(answered.Ready, Is.True, answered.Summary);
        Assert.That(body, Does.Contain("simulated backend for service default/web"));
        var said = await kubectl.RunAsync(Bound, "get", "svc", "web", "-o", @"jsonpath={.metadata.annotations.lab\.testfarm\.io/simulated-vip}");
        Assert.That(said.Stdout, Is.EqualTo($"answering on {ip}:80 (simulated backend standing in for the endpoints)"), said.ToString());

        // Without Ready endpoints kube-proxy rejects: the VIP stops answering.
        Assert.That((await kubectl.RunAsync(Bound, "delete", "deployment", "web", "--wait=true")).ExitCode, Is.EqualTo(0));
        var refused = await waiter.UntilAsync(async () =>
        {
            using var tcp = new TcpClient();
            try { await tcp.ConnectAsync(ip, 80, cancellationToken); return new ReadinessState(false, "still accepting"); }
            catch (SocketException e) { return new ReadinessState(e.SocketErrorCode == SocketError.ConnectionRefused, e.SocketErrorCode.ToString()); }
        }, TimeSpan.FromSeconds(10), cancellationToken);
        Assert.That(refused.Ready, Is.True, refused.Summary);
        said = await kubectl.RunAsync(Bound, "get", "svc", "web", "-o", @"jsonpath={.metadata.annotations.lab\.testfarm\.io/simulated-vip}");
        Assert.That(said.Stdout, Does.StartWith("not answering: the service selects no Ready pod"), said.ToString());
    }
}
