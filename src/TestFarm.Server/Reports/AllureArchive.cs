using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace TestFarm.Server.Reports;

/// <summary>
/// A run's <c>allure-results/</c> folder as one zip, written straight to the response as it is read, file by file (never
/// the whole archive in memory). Its ETag is a digest of the files' names, sizes and times, so an unchanged folder
/// answers 304 to <c>If-None-Match</c>.
/// </summary>
internal static class AllureArchive
{
    public const string Folder = "allure-results";
    private const int MaxFiles = 100_000;

    public sealed record Entry(string Path, FileInfo File);

    /// <summary>The folder's files (links followed only when they stay inside <paramref name="root"/>), sorted by path.</summary>
    public static IReadOnlyList<Entry> Files(string folder, string root)
    {
        var found = new List<Entry>();
        var pending = new Stack<(string Folder, string Prefix)>();
        pending.Push((folder, ""));
        while (pending.Count > 0 && found.Count < MaxFiles)
        {
            var (current, prefix) = pending.Pop();
            foreach (var (name, info) in RunFileCatalog.Entries(current, root))
            {
                if (RunPaths.PathRefusal(prefix + name) is not null) continue;
                if (info is DirectoryInfo) pending.Push((info.FullName, prefix + name + "/"));
                else if (info is FileInfo file) found.Add(new Entry(prefix + name, file));
            }
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return found;
    }

    /// <summary>A strong ETag over the files' paths, sizes and write times.</summary>
    public static string ETag(IReadOnlyList<Entry> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var text = new StringBuilder();
        foreach (var f in files) text.Append(f.Path).Append('\n').Append(f.File.Length).Append('\n').Append(f.File.LastWriteTimeUtc.Ticks).Append('\n');
        return $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32]}\"";
    }

    /// <summary>Writes the zip of <paramref name="files"/> to <paramref name="output"/>, each file streamed into its entry.</summary>
    public static async Task WriteAsync(IReadOnlyList<Entry> files, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(files);
        await using var body = new AsyncOnlyStream(output);
        await using (var zip = await ZipArchive.CreateAsync(body, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct))
        {
            foreach (var file in files)
            {
                var entry = zip.CreateEntry(file.Path, CompressionLevel.Fastest);
                entry.LastWriteTime = file.File.LastWriteTimeUtc;
                await using var target = await entry.OpenAsync(ct);
                await using var source = new FileStream(file.File.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
                await source.CopyToAsync(target, ct);
            }
        }
        await body.FlushAsync(ct);
    }
}
