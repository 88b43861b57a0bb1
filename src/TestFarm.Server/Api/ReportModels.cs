namespace TestFarm.Server.Api;

/// <summary>
/// A run's reports and its cells' artifacts as <c>GET /api/v1/runs/{id}</c> lists them: a URL for each report that
/// exists (null while it does not), and each cell's files.
/// </summary>
public sealed record RunReportsView(
    string? Html, string? Markdown, string? Junit, IReadOnlyList<ReportLink> JunitCells, string? Allure, int AllureResults, string? RunJson,
    IReadOnlyList<CellFilesView> Cells);

/// <summary>One cell's JUnit file.</summary>
public sealed record ReportLink(string Name, string Url);

/// <summary>
/// One cell's artifacts folder: <c>Cell</c> is the cell id (or the folder's name when no cell of the run has it);
/// <c>Truncated</c> when more files exist than are listed.
/// </summary>
public sealed record CellFilesView(string Cell, IReadOnlyList<ArtifactFileView> Artifacts, bool Truncated);

/// <summary>A file a cell kept: its path in the cell's folder, size in bytes, content type and where it is served.</summary>
public sealed record ArtifactFileView(string Path, long Size, string ContentType, DateTimeOffset Modified, string Url);
