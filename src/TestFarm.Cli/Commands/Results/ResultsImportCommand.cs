using System.CommandLine;
using System.Text.Json.Nodes;
using TestFarm.Scenarios.Import;

namespace TestFarm.Cli.Commands.Results;

/// <summary>
/// <c>testfarm results import --junit FILE [--e2e-log FILE] [--sonobuoy TARBALL] [--format json]</c>:
/// counts a JUnit file (and the e2e.log summary, with any disagreement) or a Sonobuoy results tarball.
/// </summary>
public sealed class ResultsImportCommand : ICliCommand
{
    public string Path => "results import";

    public Command Build()
    {
        var junit = new Option<FileInfo?>("--junit") { Description = "A JUnit XML file (testsuite or testsuites root)." };
        var log = new Option<FileInfo?>("--e2e-log") { Description = "The Ginkgo e2e.log whose summary is compared with the JUnit counts." };
        var sonobuoy = new Option<FileInfo?>("--sonobuoy") { Description = "A sonobuoy retrieve tarball (tar.gz)." };
        var format = new Option<string>("--format") { Description = "text or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("import", "Count the results in a JUnit file, an e2e.log and a Sonobuoy tarball.")
        {
            junit, log, sonobuoy, format,
        };
        command.SetAction(parse => Run(parse.GetValue(junit), parse.GetValue(log), parse.GetValue(sonobuoy),
            parse.GetValue(format) ?? "text", parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    internal static int Run(FileInfo? junit, FileInfo? log, FileInfo? sonobuoy, string format, TextWriter output, TextWriter error)
    {
        if (junit is null && sonobuoy is null)
        {
            error.WriteLine("results import: give --junit FILE and/or --sonobuoy TARBALL");
            return ExitCodes.Usage;
        }
        if (log is not null && junit is null)
        {
            error.WriteLine("results import: --e2e-log is compared with --junit; give both");
            return ExitCodes.Usage;
        }
        try
        {
            ImportSummary? summary = null;
            if (junit is not null)
            {
                var report = JUnitReader.Read(junit.FullName);
                summary = ImportSummary.Create(report.Counts, log is null ? null : GinkgoSummaryParser.Parse(log.FullName));
            }
            var plugins = sonobuoy is null ? null : SonobuoyResultsReader.Read(sonobuoy.FullName);
            if (format == "json") output.WriteLine(Json(summary, plugins));
            else WriteText(output, summary, plugins);
            return ExitCodes.Success;
        }
        catch (ResultImportException ex)
        {
            error.WriteLine($"results import: {ex.Message}");
            return ExitCodes.InvalidInput;
        }
    }

    private static string Json(ImportSummary? summary, IReadOnlyList<SonobuoyPluginResult>? plugins)
    {
        if (summary is null) return ImportSummary.SonobuoyJson(plugins!);
        if (plugins is null) return summary.ToJson();
        var merged = JsonNode.Parse(summary.ToJson())!.AsObject();
        merged["plugins"] = JsonNode.Parse(ImportSummary.SonobuoyJson(plugins))!["plugins"]!.DeepClone();
        return merged.ToJsonString();
    }

    private static void WriteText(TextWriter output, ImportSummary? summary, IReadOnlyList<SonobuoyPluginResult>? plugins)
    {
        if (summary is not null)
        {
            var j = summary.JUnit;
            output.WriteLine($"JUnit: {j.Tests} tests, {j.Passed} passed, {j.Failed} failed, {j.Skipped} skipped, {j.Errors} errors");
            if (summary.Log is { } l)
                output.WriteLine($"e2e.log: Ran {l.Ran} of {l.Total} Specs; {(l.Success ? "SUCCESS!" : "FAIL!")} -- {l.Passed} Passed | {l.Failed} Failed | {l.Pending} Pending | {l.Skipped} Skipped");
            foreach (var d in summary.Disagreements)
                output.WriteLine($"DISAGREEMENT {d.Field}: junit {d.JUnit}, e2e.log {d.Log}");
        }
        foreach (var p in plugins ?? [])
        {
            output.WriteLine($"Plugin: {p.Name}");
            output.WriteLine($"Status: {p.Status}");
            output.WriteLine($"Total: {p.Total}");
            output.WriteLine($"Passed: {p.Passed}");
            output.WriteLine($"Failed: {p.Failed}");
            output.WriteLine($"Skipped: {p.Skipped}");
            foreach (var (status, n) in p.Other) output.WriteLine($"{status}: {n}");
            if (p.FailedTests.Count > 0)
            {
                output.WriteLine();
                output.WriteLine("Failed tests:");
                foreach (var t in p.FailedTests) output.WriteLine(t);
            }
            output.WriteLine();
        }
    }
}
