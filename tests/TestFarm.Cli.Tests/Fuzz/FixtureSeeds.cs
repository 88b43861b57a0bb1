using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Fuzz;

/// <summary>
/// Seeds for each fuzz target from real data: the repository's own files and <c>../shared/fixtures</c> (Redfish replies of
/// real BMCs, GitHub deliveries, Cookiemonster configs, conformance JUnit and e2e logs, Sonobuoy tarballs). Large files are
/// cut (JUnit, e2e logs) or reduced to their small entries (tarballs), so that mutation stays fast.
/// </summary>
internal static class FixtureSeeds
{
    private const int MaxSeed = 32 * 1024;

    public static IReadOnlyList<byte[]> For(string target) => target switch
    {
        "hardware-profile" => Files(Fixtures.Repo("hardware-profiles"), "*.yaml"),
        "pool" => [File.ReadAllBytes(Fixtures.Repo("pool.yaml"))],
        "plan" => Files(Fixtures.Repo("scenarios", "plans"), "*.yaml"),
        "suite" => Files(Fixtures.Repo("scenarios", "suites"), "*.yaml"),
        "cookiemonster" => [.. Files(Fixtures.Shared("chaos", "cookiemonster"), "*.yaml", SearchOption.AllDirectories),
            .. Files(Fixtures.Shared("chaos", "cookiemonster"), "*.json", SearchOption.AllDirectories)],
        "junit" => [.. Files(Fixtures.Shared("conformance"), "junit_*.xml", SearchOption.AllDirectories), .. Files(Fixtures.Shared("tempest"), "*.xml")],
        "e2e-log" => Files(Fixtures.Shared("conformance"), "e2e.log*", SearchOption.AllDirectories),
        "sonobuoy" => [.. Directory.GetFiles(Fixtures.Shared("sonobuoy"), "*.tar.gz").Order(StringComparer.Ordinal).Select(SmallEntries)],
        "webhook" => [.. Directory.GetFiles(Fixtures.Shared("github", "webhooks"), "*.payload.json").Order(StringComparer.Ordinal)
            .Select(f => Encoding.UTF8.GetBytes(Path.GetFileName(f).Split('.')[0] + "\n").Concat(File.ReadAllBytes(f)).ToArray())],
        "redfish" => Files(Fixtures.Shared("redfish"), "*.json", SearchOption.AllDirectories).Take(40).ToList(),
        _ => [],
    };

    private static List<byte[]> Files(string folder, string pattern, SearchOption option = SearchOption.TopDirectoryOnly) =>
        [.. Directory.GetFiles(folder, pattern, option).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).Select(b => b.Length <= MaxSeed ? b : b[..MaxSeed])];

    /// <summary>The tarball's entries of at most 32 KiB, as an uncompressed tar (the target gzips its input).</summary>
    private static byte[] SmallEntries(string tarball)
    {
        using var output = new MemoryStream();
        using (var file = File.OpenRead(tarball))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        using (var reader = new TarReader(gzip))
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            while (reader.GetNextEntry(copyData: true) is { } entry)
            {
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.Length > MaxSeed) continue;
                writer.WriteEntry(entry);
            }
        }
        return output.ToArray();
    }
}
