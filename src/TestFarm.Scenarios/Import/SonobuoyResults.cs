using System.Formats.Tar;
using System.IO.Compression;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TestFarm.Scenarios.Import;

/// <summary>One plugin's counts, as <c>sonobuoy results --plugin NAME</c> prints them.</summary>
public sealed record SonobuoyPluginResult
{
    public required string Name { get; init; }
    public required string Status { get; init; }
    public required int Total { get; init; }
    public required int Passed { get; init; }
    public required int Failed { get; init; }
    public required int Skipped { get; init; }
    /// <summary>Leaves with any other status (e.g. <c>complete</c>), by status, sorted by name.</summary>
    public IReadOnlyDictionary<string, int> Other { get; init; } = new SortedDictionary<string, int>(StringComparer.Ordinal);
    /// <summary>Names of failed leaves, in file order.</summary>
    public IReadOnlyList<string> FailedTests { get; init; } = [];
}

/// <summary>
/// Reads a <c>sonobuoy retrieve</c> tarball (tar.gz, streamed): each plugin's <c>sonobuoy_results.yaml</c> item
/// tree is walked to its leaves as <c>sonobuoy results</c> does (failed = failed + timeout). Old tarballs without
/// the YAML fall back to <c>plugins/&lt;p&gt;/results/**/junit_*.xml</c>. Entry paths are normalised (<c>./</c> dropped).
/// </summary>
public static class SonobuoyResultsReader
{
    public static IReadOnlyList<SonobuoyPluginResult> Read(string tarball)
    {
        Stream file;
        try { file = File.OpenRead(tarball); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ResultImportException($"{tarball}: cannot open sonobuoy results tarball: {ex.Message}", ex);
        }
        using (file) return Read(file, tarball);
    }

    /// <summary>Reads a results tarball (tar.gz) from <paramref name="stream"/>; <paramref name="tarball"/> names it in errors.</summary>
    public static IReadOnlyList<SonobuoyPluginResult> Read(Stream stream, string tarball)
    {
        var yamls = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var junits = new SortedDictionary<string, List<JUnitReport>>(StringComparer.Ordinal);
        try
        {
            using var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                var path = entry.Name.Replace('\\', '/');
                while (path.StartsWith("./", StringComparison.Ordinal)) path = path[2..];
                var parts = path.Split('/');
                if (parts.Length < 3 || parts[0] != "plugins") continue;
                var plugin = parts[1];
                if (parts.Length == 3 && parts[2] == "sonobuoy_results.yaml")
                {
                    using var text = new StreamReader(entry.DataStream);
                    yamls[plugin] = text.ReadToEnd();
                }
                else if (parts.Length >= 4 && parts[2] == "results" && parts[^1].StartsWith("junit", StringComparison.Ordinal)
                         && parts[^1].EndsWith(".xml", StringComparison.Ordinal))
                {
                    var report = JUnitReader.Read(entry.DataStream, $"{tarball}!{path}", keepCases: true);
                    if (!junits.TryGetValue(plugin, out var list)) junits[plugin] = list = [];
                    list.Add(report);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or FormatException)
        {
            throw new ResultImportException($"{tarball}: not a readable sonobuoy results tarball (tar.gz): {ex.Message}", ex);
        }

        var plugins = new List<SonobuoyPluginResult>();
        foreach (var name in yamls.Keys.Union(junits.Keys).Order(StringComparer.Ordinal))
        {
            plugins.Add(yamls.TryGetValue(name, out var yaml)
                ? FromYaml(name, yaml, $"{tarball}!plugins/{name}/sonobuoy_results.yaml")
                : FromJUnit(name, junits[name]));
        }
        if (plugins.Count == 0)
            throw new ResultImportException($"{tarball}: no plugins/<name>/sonobuoy_results.yaml or results junit file inside");
        return plugins;
    }

    private static SonobuoyPluginResult FromYaml(string plugin, string yaml, string source)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlException ex)
        {
            throw new ResultImportException($"{source}:{ex.Start.Line}:{ex.Start.Column}: invalid YAML: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex) when (ex.Source == "YamlDotNet")
        {
            // YamlDotNet's scanner fails on some malformed plain scalars with no position (found by testfarm fuzz sonobuoy).
            throw new ResultImportException($"{source}:1:1: invalid YAML: the YAML scanner gave up on a malformed scalar", ex);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ResultImportException($"{source}:1:1: expected a mapping with name, status and items");
        var counts = new Counter();
        Walk(root, counts);
        return counts.ToResult(plugin, Scalar(root, "status") ?? "unknown");
    }

    private static void Walk(YamlMappingNode node, Counter counts)
    {
        if (node.Children.TryGetValue(new YamlScalarNode("items"), out var items) && items is YamlSequenceNode seq && seq.Children.Count > 0)
        {
            foreach (var child in seq.Children.OfType<YamlMappingNode>()) Walk(child, counts);
            return;
        }
        counts.Add(Scalar(node, "status") ?? "unknown", Scalar(node, "name") ?? "");
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;

    private static SonobuoyPluginResult FromJUnit(string plugin, List<JUnitReport> reports)
    {
        var counts = new Counter();
        foreach (var c in reports.SelectMany(r => r.Cases))
        {
            counts.Add(c.Outcome switch
            {
                JUnitOutcome.Passed => "passed", JUnitOutcome.Skipped => "skipped", _ => "failed",
            }, c.Name);
        }
        return counts.ToResult(plugin, counts.Failed > 0 ? "failed" : "passed");
    }

    private sealed class Counter
    {
        private readonly SortedDictionary<string, int> _other = new(StringComparer.Ordinal);
        private readonly List<string> _failedTests = [];
        private int _total, _passed, _skipped;
        public int Failed { get; private set; }

        public void Add(string status, string name)
        {
            _total++;
            switch (status)
            {
                case "passed": _passed++; break;
                case "failed" or "timeout": Failed++; _failedTests.Add(name); break;
                case "skipped": _skipped++; break;
                default: _other[status] = _other.GetValueOrDefault(status) + 1; break;
            }
        }

        public SonobuoyPluginResult ToResult(string name, string status) => new()
        {
            Name = name, Status = status, Total = _total, Passed = _passed, Failed = Failed, Skipped = _skipped,
            Other = _other, FailedTests = _failedTests,
        };
    }
}
