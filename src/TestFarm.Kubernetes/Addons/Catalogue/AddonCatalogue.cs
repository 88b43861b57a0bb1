namespace TestFarm.Kubernetes.Addons.Catalogue;

/// <summary>One upstream release manifest: its name in the release's folder, where upstream publishes it, its sha256 (hex).</summary>
public sealed record AddonFile(string Name, Uri Url, string Sha256);

/// <summary>
/// One version of an add-on and the upstream manifests the farm applies from it. Its files live in a folder named
/// <see cref="Folder"/> (e.g. <c>metallb-v0.15.3/</c>) in the cache, a mirror or a configured manifests folder.
/// </summary>
public sealed record AddonRelease(string Addon, string Version, string Folder, IReadOnlyList<AddonFile> Files)
{
    public AddonFile File(string name) =>
        Files.FirstOrDefault(f => f.Name == name)
        ?? throw new InvalidOperationException($"add-on {Addon} {Version}: the catalogue lists no file {name} (has: {string.Join(", ", Files.Select(f => f.Name))})");

    public override string ToString() => $"{Addon} {Version}";
}

/// <summary>
/// The add-on versions the farm knows: each one's upstream release manifests by URL (the tag's blob) and sha256.
/// Adding a version means adding its entry here, with digests computed from the tag's files.
/// </summary>
public static class AddonCatalogue
{
    public const string MetalLb = "metallb";
    public const string RookCeph = "rook-ceph";

    public static readonly IReadOnlyList<AddonRelease> Releases =
    [
        new(MetalLb, "v0.15.3", "metallb-v0.15.3",
        [
            new("metallb-native.yaml", new Uri("https://raw.githubusercontent.com/metallb/metallb/v0.15.3/config/manifests/metallb-native.yaml"),
                "84b4e102f2b65f5d69085f5816c29362b74641873d8ac3de996e5f86a8219176"),
        ]),
        new(RookCeph, "v1.17.9", "rook-v1.17.9",
        [
            new("crds.yaml", new Uri("https://raw.githubusercontent.com/rook/rook/v1.17.9/deploy/examples/crds.yaml"),
                "d0d2b447f06dedc4147236cd5835e0cbea7613fc5f4d34ec10a945bc71964fa2"),
            new("common.yaml", new Uri("https://raw.githubusercontent.com/rook/rook/v1.17.9/deploy/examples/common.yaml"),
                "7027f42f95c722373db7de7295fbf8ca1dc438b8da223a5418bd6c1860d261b9"),
            new("operator.yaml", new Uri("https://raw.githubusercontent.com/rook/rook/v1.17.9/deploy/examples/operator.yaml"),
                "ad93235400b935ff82641d2439e595774a611e4e6b41d87b5e18f94d19d561b4"),
        ]),
    ];

    /// <summary>A version as the catalogue writes it: <c>0.15.3</c> and <c>v0.15.3</c> are both <c>v0.15.3</c>.</summary>
    public static string NormalizeVersion(string version) => version.StartsWith('v') ? version : "v" + version;

    /// <summary>The release of <paramref name="addon"/> at <paramref name="version"/>, or an error naming the versions known.</summary>
    public static AddonRelease Find(string addon, string version)
    {
        var v = NormalizeVersion(version);
        return Releases.FirstOrDefault(r => r.Addon == addon && r.Version == v)
            ?? throw new AddonUnavailableException(Releases.Any(r => r.Addon == addon)
                ? $"add-on {addon} {v} is not in the add-on catalogue (known versions: {string.Join(", ", Releases.Where(r => r.Addon == addon).Select(r => r.Version))})"
                : $"add-on {addon} is not in the add-on catalogue (known: {string.Join(", ", Releases.Select(r => r.Addon).Distinct())})");
    }
}

/// <summary>An add-on's manifests cannot be had: the message names the add-on, its version and the ways to provide it.</summary>
public sealed class AddonUnavailableException(string message) : Exception(message);
