using TestFarm.Core.Cluster;
using TestFarm.Scenarios.Engine;

namespace TestFarm.Scenarios.Probes;

/// <summary>Every pod (in the namespaces, matching the selector) is Running and Ready, or Succeeded.</summary>
public sealed class PodsReadyProbe(string name, IReadOnlyList<string> namespaces, string? labelSelector) : IProbe
{
    public string Name => name;

    public async Task<ProbeOutcome> CheckAsync(StepRun run, CancellationToken cancellationToken)
    {
        var notReady = new List<string>();
        var total = 0;
        foreach (var ns in namespaces.Count == 0 ? [null] : namespaces.Cast<string?>())
        {
            var pods = await run.Cell.Cluster.ListAsync(ResourceKind.Pod, ns, labelSelector, cancellationToken).ConfigureAwait(false);
            total += pods.Count;
            notReady.AddRange(pods.Where(p => !p.PodReady()).Select(p => $"{p.Str("metadata", "namespace")}/{p.Name()}"));
        }
        return notReady.Count == 0
            ? ProbeOutcome.Ok($"{total} pods ready")
            : ProbeOutcome.Bad($"{notReady.Count} of {total} pods not ready: {string.Join(", ", notReady.Take(5))}");
    }
}

/// <summary>Every node reports Ready.</summary>
public sealed class NodesReadyProbe(string name) : IProbe
{
    public string Name => name;

    public async Task<ProbeOutcome> CheckAsync(StepRun run, CancellationToken cancellationToken)
    {
        var nodes = await run.Cell.Cluster.ListAsync(ResourceKind.Node, cancellationToken: cancellationToken).ConfigureAwait(false);
        var bad = nodes.Where(n => !n.NodeReady()).Select(n => n.Name()).ToList();
        return bad.Count == 0 && nodes.Count > 0 ? ProbeOutcome.Ok($"{nodes.Count} nodes ready")
            : ProbeOutcome.Bad(nodes.Count == 0 ? "no nodes" : $"not ready: {string.Join(", ", bad)}");
    }
}

/// <summary>The Rook CephCluster reports an accepted <c>status.ceph.health</c> (HEALTH_OK by default).</summary>
public sealed class CephHealthProbe(string name, string ns, string? cluster, IReadOnlyList<string> accept) : IProbe
{
    public static readonly ResourceKind CephCluster = new("ceph.rook.io/v1", "CephCluster");

    public string Name => name;

    public async Task<ProbeOutcome> CheckAsync(StepRun run, CancellationToken cancellationToken)
    {
        var clusters = await run.Cell.Cluster.ListAsync(CephCluster, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        var target = cluster is null ? (clusters.Count > 0 ? clusters[0] : null) : clusters.FirstOrDefault(c => c.Name() == cluster);
        if (target is null) return ProbeOutcome.Bad($"no CephCluster {cluster ?? ""} in {ns}");
        var health = target.Str("status", "ceph", "health") ?? "unknown";
        return accept.Contains(health) ? ProbeOutcome.Ok(health) : ProbeOutcome.Bad($"CephCluster {target.Name()} health {health}");
    }
}

/// <summary>
/// A LoadBalancer Service has an ingress IP; with <c>connect</c>, a TCP connection to it succeeds. With
/// <c>ensure</c>, a missing service is created (type LoadBalancer, selector app=&lt;service&gt;) on first check,
/// with a backend Deployment of the same name serving HTTP on the port (a VIP without Ready endpoints does not answer).
/// </summary>
public sealed class LoadBalancerProbe(string name, string ns, string service, int port, bool connect, bool ensure = false) : IProbe
{
    public string Name => name;

    public async Task<ProbeOutcome> CheckAsync(StepRun run, CancellationToken cancellationToken)
    {
        var svc = await run.Cell.Cluster.GetAsync(new ResourceRef(ResourceKind.Service, service, ns), cancellationToken).ConfigureAwait(false);
        if (svc is null && ensure)
        {
            var backend = Checks.RoundTripChecks.Backend(service, ns);
            var container = backend["spec"]!["template"]!["spec"]!["containers"]![0]!;
            container["args"] = new System.Text.Json.Nodes.JsonArray("netexec", $"--http-port={port}");
            container["ports"]![0]!["containerPort"] = port;
            await run.Cell.Cluster.ApplyAsync(backend, cancellationToken).ConfigureAwait(false);
            await run.Cell.Cluster.ApplyAsync(new System.Text.Json.Nodes.JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Service",
                ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = service, ["namespace"] = ns },
                ["spec"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["type"] = "LoadBalancer", ["selector"] = new System.Text.Json.Nodes.JsonObject { ["app"] = service },
                    ["ports"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["port"] = port, ["protocol"] = "TCP" }),
                },
            }, cancellationToken).ConfigureAwait(false);
            return ProbeOutcome.Bad($"service {ns}/{service} created; waiting for its VIP");
        }
        if (svc is null) return ProbeOutcome.Bad($"service {ns}/{service} not found");
        var ip = svc.Items("status", "loadBalancer", "ingress").Select(i => i.Str("ip")).FirstOrDefault(i => !string.IsNullOrEmpty(i));
        if (ip is null) return ProbeOutcome.Bad($"service {ns}/{service} has no LoadBalancer ingress IP");
        if (!connect) return ProbeOutcome.Ok($"VIP {ip} assigned");
        if (run.Cell.Transport is null) return ProbeOutcome.Bad("no probe transport configured to reach the VIP");
        await run.Cell.Transport.TcpConnectAsync(ip, port, cancellationToken).ConfigureAwait(false);
        return ProbeOutcome.Ok($"VIP {ip}:{port} answers");
    }
}

public sealed class HttpProbe(string name, string url, int expectStatus) : IProbe
{
    public string Name => name;

    public async Task<ProbeOutcome> CheckAsync(StepRun run, CancellationToken cancellationToken)
    {
        if (run.Cell.Transport is null) return ProbeOutcome.Bad("no probe transport configured");
        var status = await run.Cell.Transport.HttpGetAsync(new Uri(url), cancellationToken).ConfigureAwait(false);
        return status == expectStatus ? ProbeOutcome.Ok($"GET {url} -> {status}") : ProbeOutcome.Bad($"GET {url} -> {status}, expected {expectStatus}");
    }
}

public sealed class TcpProbe(string name, string host, int port) : IProbe
{
    public string Name => name;

    public async Task<ProbeOutcome> CheckAsync(StepRun run, CancellationToken cancellationToken)
    {
        if (run.Cell.Transport is null) return ProbeOutcome.Bad("no probe transport configured");
        await run.Cell.Transport.TcpConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        return ProbeOutcome.Ok($"{host}:{port} accepts connections");
    }
}
