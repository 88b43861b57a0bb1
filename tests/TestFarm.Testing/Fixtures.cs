namespace TestFarm.Testing;

/// <summary>
/// Paths of the repository and of the shared real-world fixtures beside it (<c>../shared/fixtures</c>).
/// Tests read fixtures from there and never copy them into the repository.
/// </summary>
public static class Fixtures
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The folder that holds <c>TestFarm.sln</c>.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>A path inside the repository.</summary>
    public static string Repo(params string[] parts) => Path.Combine([RepositoryRoot, .. parts]);

    /// <summary>A path inside <c>../shared/fixtures</c>.</summary>
    public static string Shared(params string[] parts)
    {
        var shared = Environment.GetEnvironmentVariable("TESTFARM_SHARED_FIXTURES")
                     ?? Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "fixtures"));
        if (!Directory.Exists(shared))
            throw new DirectoryNotFoundException($"shared fixtures not found at {shared} (set TESTFARM_SHARED_FIXTURES)");
        return Path.Combine([shared, .. parts]);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TestFarm.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no TestFarm.sln above {AppContext.BaseDirectory}");
    }
}
