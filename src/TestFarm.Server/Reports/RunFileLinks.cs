namespace TestFarm.Server.Reports;

/// <summary>The one place that spells the URLs of a run's reports and artifacts (relative to the server, or absolute under its public URL).</summary>
internal static class RunFileLinks
{
    public const string ReportsSegment = "reports";
    public const string ArtifactsSegment = "artifacts";
    public const string AllureArchive = "allure-results.zip";
    public const string HtmlReport = "report.html";

    public static string Run(string runId) => $"/api/v1/runs/{Uri.EscapeDataString(runId)}";

    /// <summary>A report by its path in the run's folder, e.g. <c>report.html</c> or <c>junit/cell.xml</c>.</summary>
    public static string Report(string runId, string name) => $"{Run(runId)}/{ReportsSegment}/{Escape(name)}";

    /// <summary>A cell's file by its cell folder and its path in there.</summary>
    public static string Artifact(string runId, string cellFolder, string path) => $"{Run(runId)}/{ArtifactsSegment}/{Uri.EscapeDataString(cellFolder)}/{Escape(path)}";

    /// <summary>The run's HTML report under the farm's public URL (for links shown outside the farm, e.g. GitHub checks).</summary>
    public static string? PublicReport(Uri? publicUrl, string? runId) =>
        publicUrl is null || runId is null ? null : publicUrl.AbsoluteUri.TrimEnd('/') + Report(runId, HtmlReport);

    private static string Escape(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
}
