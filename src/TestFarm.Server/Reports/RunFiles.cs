using TestFarm.Reporting;
using TestFarm.Server.Hosting;

namespace TestFarm.Server.Reports;

internal enum RunFileOutcome
{
    Found,
    /// <summary>The id or path breaks <see cref="RunPaths"/>' rules or leads outside the run's folder: 400, nothing read.</summary>
    Refused,
    /// <summary>No folder for the run (unknown run, or its reports are not written yet), or no data folder at all.</summary>
    RunMissing,
    FileMissing,
}

/// <summary>What looking a file up in a run's folder came to; <see cref="Field"/> is the request part at fault.</summary>
internal sealed record RunFileLookup(RunFileOutcome Outcome, string Field, string Detail, FileInfo? File = null);

/// <summary>
/// Finds a run's files under the farm's data folder (<see cref="RunFolders"/>) so that a lookup never leaves the run's
/// folder: the id and path are checked by <see cref="RunPaths"/> first, then the path is resolved with every symbolic link
/// along it followed and must still lie inside the run's own (resolved) folder.
/// </summary>
internal sealed class RunFiles(FarmServerOptions options)
{
    private const int MaxLinks = 40;

    public RunFolders? Folders { get; } = options.DataDirectory is { } data ? new RunFolders(data) : null;

    /// <summary>The run's folder when the id is acceptable and the folder exists; otherwise why not.</summary>
    public RunFileLookup RunFolder(string runId)
    {
        if (Folders is null) return new(RunFileOutcome.RunMissing, "id", "this instance keeps no run files (it was started without a data folder: serve --data DIR)");
        if (RunPaths.RunIdRefusal(runId) is { } bad) return new(RunFileOutcome.Refused, "id", $"run id '{RunPaths.Echo(runId)}' {bad}");
        var folder = Folders.Run(runId);
        if (!string.Equals(Path.GetDirectoryName(folder), Folders.Runs, StringComparison.Ordinal))
            return new(RunFileOutcome.Refused, "id", $"run id '{RunPaths.Echo(runId)}' does not name a folder of its own");
        return Directory.Exists(folder)
            ? new(RunFileOutcome.Found, "id", folder)
            : new(RunFileOutcome.RunMissing, "id", $"run '{RunPaths.Echo(runId)}' has no files yet (a run's reports are written when it ends)");
    }

    /// <summary>
    /// The file at <paramref name="relative"/> ('/'-separated) inside the run's folder, or inside its subfolder
    /// <paramref name="under"/>; answers name <paramref name="field"/> and echo <paramref name="relative"/> as given.
    /// </summary>
    public RunFileLookup Find(string runId, string relative, string field, string? under = null)
    {
        var run = RunFolder(runId);
        if (run.Outcome != RunFileOutcome.Found && run.Outcome != RunFileOutcome.RunMissing) return run;
        if (RunPaths.PathRefusal(relative) is { } bad) return new(RunFileOutcome.Refused, field, $"{field} '{RunPaths.Echo(relative)}' {bad}");
        if (run.Outcome == RunFileOutcome.RunMissing) return run;
        var root = run.Detail;
        var full = Path.GetFullPath(Path.Combine(under is null ? root : Path.Combine(root, under), relative.Replace('/', Path.DirectorySeparatorChar)));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return new(RunFileOutcome.Refused, field, $"{field} '{RunPaths.Echo(relative)}' leads outside the run's folder");
        var real = RealPath(full);
        if (real is null)
            return new(RunFileOutcome.FileMissing, field, $"run '{RunPaths.Echo(runId)}' has no {(under is null ? "report" : "artifact")} '{RunPaths.Echo(relative)}'");
        if (!Inside(RealPath(root), real))
            return new(RunFileOutcome.Refused, field, $"{field} '{RunPaths.Echo(relative)}' leads outside the run's folder (through a symbolic link)");
        if (Directory.Exists(real)) return new(RunFileOutcome.FileMissing, field, $"run '{RunPaths.Echo(runId)}': {field} '{RunPaths.Echo(relative)}' is a folder, not a file");
        return new(RunFileOutcome.Found, field, real, new FileInfo(real));
    }

    /// <summary>Whether <paramref name="path"/> (resolved) lies inside <paramref name="root"/> (resolved).</summary>
    public static bool Inside(string? root, string? path) =>
        root is not null && path is not null && path.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="fullPath"/> with every symbolic link along it resolved (each hop's target taken relative to the
    /// resolved folder holding the link), or null when a part of it does not exist or the links go on for more than 40 hops.
    /// </summary>
    public static string? RealPath(string fullPath)
    {
        var hops = 0;
        return Resolve(Path.GetFullPath(fullPath), ref hops);
    }

    private static string? Resolve(string full, ref int hops)
    {
        var root = Path.GetPathRoot(full) ?? "";
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            if (LinkTarget(next) is { } target)
            {
                if (++hops > MaxLinks) return null;
                var resolved = Resolve(Path.GetFullPath(target, current), ref hops);
                if (resolved is null) return null;
                next = resolved;
            }
            else if (!File.Exists(next) && !Directory.Exists(next))
            {
                return null;
            }
            current = next;
        }
        return current;
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
