using TestFarm.Reporting;
using TestFarm.Server.Api;

namespace TestFarm.Server.Reports;

/// <summary>
/// Lists what a run's folder holds as the run view shows it: each report that exists with its URL, each cell's JUnit file,
/// the Allure archive with its result count, and every file of each cell's artifacts folder (size, content type, URL) that
/// the artifact endpoint would serve — nothing behind a link leading out of the run's folder, at most
/// <see cref="MaxFilesPerCell"/> files per cell.
/// </summary>
internal sealed class RunFileCatalog(RunFiles files)
{
    public const int MaxFilesPerCell = 1000;
    private const int MaxDepth = 16;

    public static RunReportsView None { get; } = new(null, null, null, [], null, 0, null, []);

    public RunReportsView Describe(string runId, IEnumerable<string> cellIds)
    {
        ArgumentNullException.ThrowIfNull(cellIds);
        var run = files.RunFolder(runId);
        if (run.Outcome != RunFileOutcome.Found) return None;
        var root = RunFiles.RealPath(run.Detail);
        if (root is null) return None;
        var byFolder = cellIds.GroupBy(RunReports.SafeName).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        string? Link(string name) => files.Find(runId, name, "name").Outcome == RunFileOutcome.Found ? RunFileLinks.Report(runId, name) : null;

        var junitCells = Entries(Path.Combine(root, "junit"), root)
            .Where(e => e.Info is FileInfo && e.Name.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) && Link($"junit/{e.Name}") is not null)
            .Select(e => new ReportLink(byFolder.GetValueOrDefault(Path.GetFileNameWithoutExtension(e.Name), Path.GetFileNameWithoutExtension(e.Name)),
                RunFileLinks.Report(runId, $"junit/{e.Name}")))
            .ToList();
        var allure = AllureArchive.Files(Path.Combine(root, AllureArchive.Folder), root);
        var cells = Entries(Path.Combine(root, "cells"), root).Where(e => e.Info is DirectoryInfo)
            .Select(e => ListCell(runId, (DirectoryInfo)e.Info, root, byFolder.GetValueOrDefault(e.Name, e.Name)))
            .ToList();
        return new RunReportsView(Link(RunFileLinks.HtmlReport), Link("report.md"), Link("junit.xml"), junitCells,
            allure.Count > 0 ? RunFileLinks.Report(runId, RunFileLinks.AllureArchive) : null,
            allure.Count(f => f.Path.EndsWith("-result.json", StringComparison.Ordinal)), Link(RunResultJson.FileName), cells);
    }

    private static CellFilesView ListCell(string runId, DirectoryInfo cell, string root, string cellId)
    {
        var found = new List<ArtifactFileView>();
        var truncated = false;
        var pending = new Stack<(DirectoryInfo Folder, string Prefix, int Depth)>();
        pending.Push((cell, "", 0));
        while (pending.Count > 0 && !truncated)
        {
            var (folder, prefix, depth) = pending.Pop();
            foreach (var (name, entry) in Entries(folder.FullName, root))
            {
                var path = prefix + name;
                if (RunPaths.PathRefusal(path) is not null) continue;
                if (entry is DirectoryInfo sub)
                {
                    if (depth < MaxDepth) pending.Push((sub, path + "/", depth + 1));
                    continue;
                }
                if (found.Count == MaxFilesPerCell)
                {
                    truncated = true;
                    break;
                }
                var file = (FileInfo)entry;
                found.Add(new ArtifactFileView(path, file.Length, RunFileTypes.For(name), file.LastWriteTimeUtc,
                    RunFileLinks.Artifact(runId, cell.Name, path)));
            }
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return new CellFilesView(cellId, found, truncated);
    }

    /// <summary>
    /// The entries of a folder, sorted by name, each with what it resolves to: a symbolic link is followed when its target
    /// lies inside <paramref name="root"/> and is a file (a linked folder is not descended into), and dropped otherwise.
    /// </summary>
    internal static IEnumerable<(string Name, FileSystemInfo Info)> Entries(string folder, string root)
    {
        List<FileSystemInfo> entries;
        try
        {
            var real = RunFiles.RealPath(folder);
            if (real is null || !Directory.Exists(real) || !(real == root || RunFiles.Inside(root, real))) return [];
            entries = [.. new DirectoryInfo(real).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        return entries.Select(e => (e.Name, Info: Resolved(e, root))).Where(e => e.Info is not null).Select(e => (e.Name, e.Info!));
    }

    private static FileSystemInfo? Resolved(FileSystemInfo entry, string root)
    {
        if (entry.LinkTarget is null) return entry;
        var real = RunFiles.RealPath(entry.FullName);
        return RunFiles.Inside(root, real) && File.Exists(real) ? new FileInfo(real!) : null;
    }
}
