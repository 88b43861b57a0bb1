using System.Security.Cryptography;

namespace TestFarm.Kubernetes.Addons.Catalogue;

/// <summary>
/// Reads add-on manifests from the configured sources only, each file checked against the catalogue's sha256:
/// a missing or altered file is refused with a message naming the add-on, its version, the file and the ways to
/// provide it.
/// </summary>
public static class AddonManifests
{
    /// <summary>The verified paths of <paramref name="names"/> in <paramref name="release"/>'s folder.</summary>
    public static IReadOnlyList<string> Files(AddonSources sources, AddonRelease release, params string[] names)
    {
        var paths = new List<string>();
        foreach (var name in names)
        {
            var file = release.File(name);
            var (path, problem) = Check(sources, release, file);
            if (problem is not null) throw new AddonUnavailableException(Unavailable(release, file, problem));
            paths.Add(path!);
        }
        return paths;
    }

    /// <summary>
    /// Throws one error naming every add-on of <paramref name="addons"/> (name, version) whose files the sources do
    /// not hold verified; returns when all are there.
    /// </summary>
    public static void EnsureAvailable(AddonSources sources, IEnumerable<(string Addon, string Version)> addons)
    {
        var problems = new List<string>();
        foreach (var (addon, version) in addons)
        {
            AddonRelease release;
            try { release = AddonCatalogue.Find(addon, version); }
            catch (AddonUnavailableException ex)
            {
                problems.Add(ex.Message);
                continue;
            }
            foreach (var file in release.Files)
            {
                if (Check(sources, release, file).Problem is { } problem)
                {
                    problems.Add(Unavailable(release, file, problem));
                    break;
                }
            }
        }
        if (problems.Count > 0) throw new AddonUnavailableException(string.Join(Environment.NewLine, problems));
    }

    /// <summary>The sha256 of a file, lower-case hex.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>"sha256 mismatch" text shared by the reader and the fetcher: the file, expected and actual digest.</summary>
    public static string DigestMismatch(string path, string expected, string actual) =>
        $"{path}: sha256 {actual} does not match the catalogue's {expected}";

    private static (string? Path, string? Problem) Check(AddonSources sources, AddonRelease release, AddonFile file)
    {
        var root = sources.Folder ?? sources.Cache;
        if (root is null) return (null, sources.Describe());
        var path = Path.Combine(root, release.Folder, file.Name);
        if (!File.Exists(path)) return (null, $"{release.Folder}/{file.Name} is not in {sources.Describe()}");
        var actual = Sha256(path);
        return actual == file.Sha256 ? (path, null) : (null, "refused: " + DigestMismatch(path, file.Sha256, actual));
    }

    private static string Unavailable(AddonRelease release, AddonFile file, string problem) =>
        $"add-on {release.Addon} {release.Version} is not available: {problem}. Provide it with `testfarm addons fetch` "
        + $"(scripts/install-deps.sh runs it), which fills the cache from the mirror folder named by {AddonSources.MirrorVariable}, "
        + $"else from {file.Url}; or set {AddonSources.FolderVariable} to a folder holding {release.Folder}/";
}
