namespace TestFarm.Kubernetes.Addons.Catalogue;

/// <summary>
/// Where the product reads add-on manifests from: an explicitly configured folder (<see cref="Folder"/>, laid out like
/// the cache) or else the local cache that <c>testfarm addons fetch</c> fills. Nothing else: no parent folder is
/// searched. Either way each file is checked against the catalogue's sha256 when read.
/// </summary>
public sealed record AddonSources
{
    /// <summary>Names a folder holding <c>metallb-&lt;version&gt;/</c> and <c>rook-&lt;version&gt;/</c>, read instead of the cache.</summary>
    public const string FolderVariable = "TESTFARM_MANIFESTS";
    /// <summary>Names the add-on cache (default <c>.cache/addons/</c> under the checkout).</summary>
    public const string CacheVariable = "TESTFARM_ADDON_CACHE";
    /// <summary>Names a mirror folder <c>testfarm addons fetch</c> copies from before trying the upstream URL.</summary>
    public const string MirrorVariable = "TESTFARM_ADDON_MIRROR";

    /// <summary>An explicitly configured manifests folder; when set, the cache is not read.</summary>
    public string? Folder { get; init; }
    /// <summary>The cache <c>testfarm addons fetch</c> fills.</summary>
    public string? Cache { get; init; }

    /// <summary>The cache's default place: <c>.cache/addons/</c> under <paramref name="root"/> (the checkout).</summary>
    public static string DefaultCache(string root) => Path.GetFullPath(Path.Combine(root, ".cache", "addons"));

    /// <summary>
    /// <see cref="FolderVariable"/> when set, else the cache named by <see cref="CacheVariable"/> or its default under
    /// <paramref name="root"/>.
    /// </summary>
    public static AddonSources FromEnvironment(string root, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return new AddonSources
        {
            Folder = environment(FolderVariable) is { Length: > 0 } folder ? Path.GetFullPath(folder) : null,
            Cache = environment(CacheVariable) is { Length: > 0 } cache ? Path.GetFullPath(cache) : DefaultCache(root),
        };
    }

    public static AddonSources InFolder(string folder) => new() { Folder = Path.GetFullPath(folder) };

    public static AddonSources InCache(string cache) => new() { Cache = Path.GetFullPath(cache) };

    /// <summary>What is read, for messages: "the manifests folder X (TESTFARM_MANIFESTS)" or "the add-on cache Y".</summary>
    public string Describe() =>
        Folder is not null ? $"the manifests folder {Folder}"
        : Cache is not null ? $"the add-on cache {Cache}"
        : "no add-on source (neither a manifests folder nor a cache is configured)";
}
