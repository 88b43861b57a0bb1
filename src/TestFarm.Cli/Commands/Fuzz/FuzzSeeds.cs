using System.Formats.Tar;
using System.Text;

namespace TestFarm.Cli.Commands.Fuzz;

/// <summary>
/// Seed inputs: the small ones shipped in the binary (<c>Commands/Fuzz/Seeds/&lt;target&gt;/</c>, written for the fuzzer),
/// and the files of a corpus folder (its <c>&lt;target&gt;/</c> subfolder when it has one, else the folder itself).
/// </summary>
internal static class FuzzSeeds
{
    public static IReadOnlyList<byte[]> Shipped(string target)
    {
        if (target == "sonobuoy") return [SonobuoyTar()];
        var assembly = typeof(FuzzSeeds).Assembly;
        var prefix = $"fuzz-seeds/{target}/";
        return assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            }).ToList();
    }

    /// <summary>Every regular file of <paramref name="corpus"/>/<paramref name="target"/>, or of <paramref name="corpus"/> itself.</summary>
    public static IReadOnlyList<byte[]> FromFolder(string corpus, string target)
    {
        var folder = Directory.Exists(Path.Combine(corpus, target)) ? Path.Combine(corpus, target) : corpus;
        return Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
    }

    /// <summary>
    /// The sonobuoy target's seed, an uncompressed tar (the target gzips each input, so mutations reach tar headers and
    /// entries rather than breaking the gzip checksum): one plugin with its results YAML, one with JUnit only.
    /// </summary>
    private static byte[] SonobuoyTar()
    {
        using var output = new MemoryStream();
        using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            Add(tar, "plugins/e2e/sonobuoy_results.yaml",
                "name: e2e\nstatus: failed\nitems:\n- name: e2e.log\n  status: failed\n  items:\n  - name: \"[sig-node] Pods [Conformance]\"\n    status: passed\n  - name: \"[sig-apps] roll\"\n    status: failed\n  - name: other\n    status: skipped\n");
            Add(tar, "./plugins/systemd-logs/results/global/junit_01.xml",
                "<testsuite name=\"s\"><testcase name=\"a\"/><testcase name=\"b\"><failure message=\"x\"/></testcase></testsuite>");
            Add(tar, "meta/run.log", "{\"level\":\"info\"}\n");
        }
        return output.ToArray();
    }

    private static void Add(TarWriter tar, string name, string text)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) };
        tar.WriteEntry(entry);
    }
}
