using TestFarm.Core.Cluster;
using TestFarm.Kubernetes.Client;

namespace TestFarm.Kubernetes.Addons;

/// <summary>A cluster node as add-ons see it: its name and the drives Rook may use (the profile's rook-osd drives).</summary>
public sealed record AddonNode(string Name, IReadOnlyList<string> OsdDevices);

/// <summary>Versions and settings of the add-ons, from the plan.</summary>
public sealed record AddonOptions
{
    /// <summary>Folder holding metallb-&lt;version&gt;/ and rook-&lt;version&gt;/; null = <see cref="ManifestLocator"/> default.</summary>
    public string? ManifestsRoot { get; init; }
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

/// <summary>Finds the add-on manifests: the configured folder, else TESTFARM_MANIFESTS, else ../shared/fixtures/manifests above the app or working folder.</summary>
public static class ManifestLocator
{
    public const string EnvironmentVariable = "TESTFARM_MANIFESTS";

    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrEmpty(configured)) return Check(configured);
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env) return Check(env);
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "fixtures", "manifests"), Path.Combine(dir.FullName, "..", "shared", "fixtures", "manifests") })
                {
                    if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
                }
            }
        }
        throw new DirectoryNotFoundException($"add-on manifests not found: set {EnvironmentVariable} or the manifests folder option (expected ../shared/fixtures/manifests)");
    }

    public static string File(string root, string folder, string name)
    {
        var path = Path.Combine(root, folder, name);
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"add-on manifest {path} not found (is the version right?)", path);
        return path;
    }

    private static string Check(string path) =>
        Directory.Exists(path) ? Path.GetFullPath(path) : throw new DirectoryNotFoundException($"add-on manifests folder {path} does not exist");
}
