using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace TestFarm.Scenarios.Conformance;

/// <summary>One e2e spec's outcome: <c>passed</c>, <c>failed</c> or <c>skipped</c>, with the failure's text.</summary>
public sealed record SonobuoySpec(string Name, string Status, TimeSpan Duration, string? Failure = null);

/// <summary>What a results tarball holds: the run's identity, the cluster's nodes as the API listed them, the e2e specs.</summary>
public sealed record SonobuoyResultsContent
{
    public required string Uuid { get; init; }
    /// <summary>Who produced the results, written as meta/config.json's <c>Version</c>.</summary>
    public required string Producer { get; init; }
    public required string Mode { get; init; }
    public required DateTimeOffset Finished { get; init; }
    public IReadOnlyList<JsonObject> Nodes { get; init; } = [];
    public required IReadOnlyList<SonobuoySpec> E2e { get; init; }
}

/// <summary>
/// Writes a results tarball in the layout <c>sonobuoy retrieve</c> produces (sonobuoy ≥ 0.15), as far as the e2e
/// plugin goes: <c>meta/config.json</c>, <c>meta/info.json</c>, <c>resources/cluster/core_v1_nodes.json</c>,
/// <c>plugins/e2e/sonobuoy_results.yaml</c> (the item tree <c>sonobuoy results</c> walks) and
/// <c>plugins/e2e/results/global/junit_01.xml</c> and <c>e2e.log</c>. <see cref="Import.SonobuoyResultsReader"/> reads it back.
/// </summary>
public static class SonobuoyResultsWriter
{
    /// <summary><c>YYYYmmDDHHMM_sonobuoy_&lt;uuid&gt;.tar.gz</c>, the name <c>sonobuoy retrieve</c> gives.</summary>
    public static string FileName(DateTimeOffset at, string uuid) =>
        $"{at.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture)}_sonobuoy_{uuid}.tar.gz";

    public static void Write(string path, SonobuoyResultsContent content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        var failed = content.E2e.Any(s => s.Status == "failed");
        Add(tar, content.Finished, "meta/config.json", new JsonObject
        {
            ["UUID"] = content.Uuid, ["Version"] = content.Producer, ["Namespace"] = "sonobuoy",
            ["PluginSelections"] = new JsonArray(new JsonObject { ["name"] = "e2e" }), ["Mode"] = content.Mode,
        }.ToJsonString());
        Add(tar, content.Finished, "meta/info.json", new JsonObject { ["plugins"] = new JsonArray("e2e") }.ToJsonString());
        Add(tar, content.Finished, "resources/cluster/core_v1_nodes.json",
            new JsonArray([.. content.Nodes.Select(n => (JsonNode)n.DeepClone())]).ToJsonString());
        Add(tar, content.Finished, "plugins/e2e/sonobuoy_results.yaml", ResultsYaml(content.E2e, failed));
        Add(tar, content.Finished, "plugins/e2e/results/global/junit_01.xml", JUnit(content.E2e));
        Add(tar, content.Finished, "plugins/e2e/results/global/e2e.log", E2eLog(content.E2e, failed));
    }

    private static string ResultsYaml(IReadOnlyList<SonobuoySpec> specs, bool failed)
    {
        var status = failed ? "failed" : "passed";
        var yaml = new StringBuilder();
        yaml.Append($"name: e2e\nstatus: {status}\nmeta:\n  type: summary\nitems:\n- name: junit_01.xml\n  status: {status}\n");
        yaml.Append("  meta:\n    file: results/global/junit_01.xml\n    type: file\n  items:\n");
        yaml.Append($"  - name: Kubernetes e2e suite\n    status: {status}\n    items:\n");
        foreach (var spec in specs)
        {
            yaml.Append($"    - name: {Quote(spec.Name)}\n      status: {spec.Status}\n");
            if (spec.Failure is not null) yaml.Append($"      details:\n        failure: {Quote(spec.Failure)}\n");
        }
        return yaml.ToString();
    }

    /// <summary>A YAML double-quoted scalar (JSON's string syntax is one).</summary>
    private static string Quote(string text) => JsonSerializer.Serialize(text);

    private static string JUnit(IReadOnlyList<SonobuoySpec> specs)
    {
        var suite = new XElement("testsuite",
            new XAttribute("name", "Kubernetes e2e suite"),
            new XAttribute("tests", specs.Count(s => s.Status != "skipped")),
            new XAttribute("failures", specs.Count(s => s.Status == "failed")),
            new XAttribute("errors", 0),
            new XAttribute("time", Seconds(specs.Aggregate(TimeSpan.Zero, (t, s) => t + s.Duration))));
        foreach (var spec in specs)
        {
            var testcase = new XElement("testcase", new XAttribute("name", spec.Name), new XAttribute("classname", "Kubernetes e2e suite"),
                new XAttribute("time", Seconds(spec.Duration)));
            if (spec.Status == "failed") testcase.Add(new XElement("failure", new XAttribute("type", "Failure"), spec.Failure ?? "failed"));
            else if (spec.Status == "skipped") testcase.Add(new XElement("skipped"));
            suite.Add(testcase);
        }
        return new XDocument(new XDeclaration("1.0", "UTF-8", null), suite).ToString();
    }

    private static string E2eLog(IReadOnlyList<SonobuoySpec> specs, bool failed)
    {
        var ran = specs.Where(s => s.Status != "skipped").ToList();
        var log = new StringBuilder();
        foreach (var spec in ran) log.Append($"{spec.Name}: {spec.Status}{(spec.Failure is null ? "" : " — " + spec.Failure)}\n");
        log.Append($"Ran {ran.Count} of {specs.Count} Specs in {Seconds(ran.Aggregate(TimeSpan.Zero, (t, s) => t + s.Duration))} seconds\n");
        log.Append($"{(failed ? "FAIL!" : "SUCCESS!")} -- {ran.Count(s => s.Status == "passed")} Passed | {ran.Count(s => s.Status == "failed")} Failed | 0 Pending | {specs.Count - ran.Count} Skipped\n");
        return log.ToString();
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);

    private static void Add(TarWriter tar, DateTimeOffset at, string name, string text)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)), ModificationTime = at,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };
        tar.WriteEntry(entry);
    }
}
