using System.Text;
using TestFarm.Core.Results;
using TestFarm.Reporting.Allure;
using TestFarm.Reporting.JUnit;
using TestFarm.Reporting.Qualification;

namespace TestFarm.Reporting;

/// <summary>Where <see cref="RunReports.RenderAll"/> put each report.</summary>
public sealed record RenderedReports
{
    public required string Directory { get; init; }
    /// <summary>junit/&lt;cell&gt;.xml, one per cell.</summary>
    public required IReadOnlyList<string> JUnitPerCell { get; init; }
    /// <summary>junit.xml, all cells.</summary>
    public required string JUnitMerged { get; init; }
    public required string AllureResults { get; init; }
    public required int AllureResultCount { get; init; }
    public required string Html { get; init; }
    public required string Markdown { get; init; }
    /// <summary>run.json: the run itself, readable by <see cref="RunResultJson.Read"/>.</summary>
    public required string RunJson { get; init; }
}

/// <summary>Renders every report of a run into one folder.</summary>
public static class RunReports
{
    /// <summary>
    /// Writes <c>junit.xml</c>, <c>junit/&lt;cell&gt;.xml</c>, <c>allure-results/</c>, <c>report.html</c>,
    /// <c>report.md</c> and <c>run.json</c> under <paramref name="directory"/> (created if needed).
    /// </summary>
    public static RenderedReports RenderAll(RunResult run, string directory, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        options ??= new ReportOptions();
        System.IO.Directory.CreateDirectory(directory);
        var junitDir = Path.Combine(directory, "junit");
        System.IO.Directory.CreateDirectory(junitDir);
        var perCell = new List<string>();
        foreach (var cell in run.Cells)
        {
            var path = Path.Combine(junitDir, SafeName(cell.CellId) + ".xml");
            JUnitWriter.Cell(cell).Save(path);
            perCell.Add(path);
        }
        var merged = Path.Combine(directory, "junit.xml");
        JUnitWriter.Run(run).Save(merged);
        var allure = Path.Combine(directory, "allure-results");
        var count = AllureWriter.Write(run, allure, options);
        var data = QualificationBuilder.Build(run, options);
        var html = Path.Combine(directory, "report.html");
        File.WriteAllText(html, HtmlReport.Render(data), new UTF8Encoding(false));
        var markdown = Path.Combine(directory, "report.md");
        File.WriteAllText(markdown, MarkdownReport.Render(data), new UTF8Encoding(false));
        var runJson = Path.Combine(directory, RunResultJson.FileName);
        RunResultJson.Write(run, runJson);
        return new RenderedReports
        {
            Directory = directory, JUnitPerCell = perCell, JUnitMerged = merged, AllureResults = allure,
            AllureResultCount = count, Html = html, Markdown = markdown, RunJson = runJson,
        };
    }

    /// <summary>A cell id (plan/profile/topology) as one file name.</summary>
    public static string SafeName(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var invalid = Path.GetInvalidFileNameChars();
        return string.Concat(id.Select(c => c == '/' || c == '\\' || invalid.Contains(c) ? '_' : c));
    }
}
