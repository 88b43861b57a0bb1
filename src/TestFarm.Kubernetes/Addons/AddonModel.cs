using TestFarm.Core.Cluster;
using TestFarm.Kubernetes.Addons.Catalogue;
using TestFarm.Kubernetes.Client;

namespace TestFarm.Kubernetes.Addons;

/// <summary>A cluster node as add-ons see it: its name and the drives Rook may use (the profile's rook-osd drives).</summary>
public sealed record AddonNode(string Name, IReadOnlyList<string> OsdDevices);

/// <summary>Versions and settings of the add-ons, from the plan.</summary>
public sealed record AddonOptions
{
    /// <summary>Where the upstream manifests are read from (checked against the catalogue's digests); nothing is searched for.</summary>
    public AddonSources Sources { get; init; } = new();
    public string MetalLbVersion { get; init; } = "v0.15.3";
    public string RookVersion { get; init; } = "v1.17.9";

    /// <summary>LoadBalancer addresses MetalLB hands out (the lease's L2 range): CIDR or "first-last".</summary>
    public IReadOnlyList<string> AddressRanges { get; init; } = ["192.168.10.240-192.168.10.250"];

    public string CephImage { get; init; } = "quay.io/ceph/ceph:v19.2.3";

    /// <summary>How long each add-on may take to become ready. Default 5 minutes.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Poll interval of readiness checks. Default 250ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>The outcome of installing one add-on.</summary>
public sealed record AddonReport(string Name, string Version, bool Ready, IReadOnlyList<string> Details);

/// <summary>What an add-on works against.</summary>
public sealed record AddonContext(IClusterApi Api, IClusterDiscovery Discovery, IReadOnlyList<AddonNode> Nodes, TimeProvider Time);

/// <summary>One add-on: install its manifests, then wait until it is ready and say why.</summary>
public interface IClusterAddon
{
    string Name { get; }
    Task<AddonReport> InstallAsync(AddonContext context, CancellationToken cancellationToken = default);
}
