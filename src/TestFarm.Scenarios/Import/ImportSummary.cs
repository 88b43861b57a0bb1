using System.Text;
using System.Text.Json;

namespace TestFarm.Scenarios.Import;

/// <summary>A field on which the JUnit file and the e2e.log disagree.</summary>
public sealed record CountDisagreement(string Field, int JUnit, int Log);

/// <summary>
/// What <c>testfarm results import</c> reports: JUnit counts, the optional Ginkgo summary, and where the two
/// disagree (total specs, passed, failed, skipped + pending).
/// </summary>
public sealed record ImportSummary
{
    public required JUnitCounts JUnit { get; init; }
    public GinkgoSummary? Log { get; init; }
    public IReadOnlyList<CountDisagreement> Disagreements { get; init; } = [];

    public static ImportSummary Create(JUnitCounts junit, GinkgoSummary? log)
    {
        var diffs = new List<CountDisagreement>();
        if (log is not null)
        {
            Compare(diffs, "tests", junit.Tests, log.Total);
            Compare(diffs, "passed", junit.Passed, log.Passed);
            Compare(diffs, "failed", junit.Failed + junit.Errors, log.Failed);
            Compare(diffs, "skipped", junit.Skipped, log.Skipped + log.Pending);
        }
        return new ImportSummary { JUnit = junit, Log = log, Disagreements = diffs };
    }

    private static void Compare(List<CountDisagreement> diffs, string field, int junit, int log)
    {
        if (junit != log) diffs.Add(new CountDisagreement(field, junit, log));
    }

    /// <summary>
    /// <c>{"tests":N,"passed":N,"failed":N,"skipped":N,"errors":N}</c>, plus <c>"log":{...}</c> and
    /// <c>"disagreement":{"field":{"junit":N,"log":N},...}</c> when an e2e.log was given.
    /// </summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("tests", JUnit.Tests);
            w.WriteNumber("passed", JUnit.Passed);
            w.WriteNumber("failed", JUnit.Failed);
            w.WriteNumber("skipped", JUnit.Skipped);
            w.WriteNumber("errors", JUnit.Errors);
            if (Log is { } log)
            {
                w.WriteStartObject("log");
                w.WriteNumber("ran", log.Ran);
                w.WriteNumber("total", log.Total);
                w.WriteNumber("passed", log.Passed);
                w.WriteNumber("failed", log.Failed);
                if (log.Flaked > 0) w.WriteNumber("flaked", log.Flaked);
                w.WriteNumber("pending", log.Pending);
                w.WriteNumber("skipped", log.Skipped);
                w.WriteString("result", log.Success ? "SUCCESS" : "FAIL");
                w.WriteEndObject();
                if (Disagreements.Count > 0)
                {
                    w.WriteStartObject("disagreement");
                    foreach (var d in Disagreements)
                    {
                        w.WriteStartObject(d.Field);
                        w.WriteNumber("junit", d.JUnit);
                        w.WriteNumber("log", d.Log);
                        w.WriteEndObject();
                    }
                    w.WriteEndObject();
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary><c>{"plugins":[{"name","status","total","passed","failed","skipped"}]}</c>; <c>"other"</c> only when a plugin has custom statuses.</summary>
    public static string SonobuoyJson(IReadOnlyList<SonobuoyPluginResult> plugins)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("plugins");
            foreach (var p in plugins)
            {
                w.WriteStartObject();
                w.WriteString("name", p.Name);
                w.WriteString("status", p.Status);
                w.WriteNumber("total", p.Total);
                w.WriteNumber("passed", p.Passed);
                w.WriteNumber("failed", p.Failed);
                w.WriteNumber("skipped", p.Skipped);
                if (p.Other.Count > 0)
                {
                    w.WriteStartObject("other");
                    foreach (var (status, n) in p.Other) w.WriteNumber(status, n);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
