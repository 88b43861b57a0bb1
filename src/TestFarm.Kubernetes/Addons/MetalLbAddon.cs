using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;
using TestFarm.Kubernetes.Addons.Catalogue;
using TestFarm.Kubernetes.Manifests;
using TestFarm.Kubernetes.Readiness;

namespace TestFarm.Kubernetes.Addons;

/// <summary>
/// MetalLB: the upstream native manifest, then an IPAddressPool and L2Advertisement for the given range.
/// Ready when the controller and speakers have rolled out, every pod in metallb-system is Ready,
/// and a probe LoadBalancer service gets an address from the pool.
/// </summary>
public sealed class MetalLbAddon : IClusterAddon
{
    public const string Namespace = "metallb-system";
    public const string PoolName = "testfarm-pool";
    private readonly AddonOptions _options;

    public MetalLbAddon(AddonOptions options) => _options = options;

    public string Name => "metallb";

    public async Task<AddonReport> InstallAsync(AddonContext context, CancellationToken cancellationToken = default)
    {
        var release = AddonCatalogue.Find(AddonCatalogue.MetalLb, _options.MetalLbVersion);
        var native = AddonManifests.Files(_options.Sources, release, "metallb-native.yaml")[0];
        var applier = new ManifestApplier(context.Api, context.Discovery, context.Time);
        var details = new List<string>();
        var applied = await applier.ApplyFilesAsync([native], cancellationToken);
        details.Add($"applied {applied.Count} objects from {Path.GetFileName(native)} ({_options.MetalLbVersion})");

        var waiter = new ClusterWaiter(context.Api, context.Time, _options.PollInterval);
        details.Add((await waiter.WaitRolloutAsync(new ResourceRef(ResourceKind.Deployment, "controller", Namespace), _options.ReadyTimeout, cancellationToken)).Summary);
        details.Add((await waiter.WaitRolloutAsync(new ResourceRef(ResourceKind.DaemonSet, "speaker", Namespace), _options.ReadyTimeout, cancellationToken)).Summary);

        var pool = ManifestReader.Parse(PoolManifest(_options.AddressRanges), "testfarm:metallb-pool");
        await new ManifestApplier(context.Api, context.Discovery, context.Time).ApplyAsync(pool, cancellationToken);
        details.Add($"IPAddressPool {PoolName}: {string.Join(", ", _options.AddressRanges)}; L2Advertisement testfarm-l2");

        details.Add((await waiter.WaitPodsReadyAsync(Namespace, _options.ReadyTimeout, cancellationToken)).Summary);
        details.Add(await ProbeLoadBalancerAsync(context, waiter, cancellationToken));
        return new AddonReport(Name, _options.MetalLbVersion, true, details);
    }

    /// <summary>Creates a LoadBalancer service, waits for its address, removes it; returns the address seen.</summary>
    public async Task<string> ProbeLoadBalancerAsync(AddonContext context, ClusterWaiter waiter, CancellationToken ct)
    {
        var probe = new ResourceRef(ResourceKind.Service, "testfarm-lb-probe", "default");
        await context.Api.ApplyAsync(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = probe.Name, ["namespace"] = probe.Namespace, ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "testfarm" } },
            ["spec"] = new JsonObject
            {
                ["type"] = "LoadBalancer",
                ["selector"] = new JsonObject { ["app"] = "testfarm-lb-probe" },
                ["ports"] = new JsonArray(new JsonObject { ["port"] = 80, ["protocol"] = "TCP" }),
            },
        }, ct);
        string? ip = null;
        await waiter.UntilAsync(async () =>
        {
            var svc = await context.Api.GetAsync(probe, ct);
            ip = svc?["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"]?.GetValue<string>();
            return new ReadinessState(ip is not null, $"LoadBalancer probe service address: {ip ?? "pending"}");
        }, _options.ReadyTimeout, ct);
        await context.Api.DeleteAsync(probe, ct);
        return $"LoadBalancer probe got {ip}";
    }

    public static string PoolManifest(IReadOnlyList<string> ranges) =>
        $"""
        apiVersion: metallb.io/v1beta1
        kind: IPAddressPool
        metadata:
          name: {PoolName}
          namespace: {Namespace}
        spec:
          addresses:
        {string.Join("\n", ranges.Select(r => $"  - \"{r}\""))}
        ---
        apiVersion: metallb.io/v1beta1
        kind: L2Advertisement
        metadata:
          name: testfarm-l2
          namespace: {Namespace}
        spec:
          ipAddressPools:
          - {PoolName}
        """;
}
