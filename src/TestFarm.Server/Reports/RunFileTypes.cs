using Microsoft.AspNetCore.StaticFiles;

namespace TestFarm.Server.Reports;

/// <summary>
/// The content type a run file is served with: the farm's own formats (reports, logs, YAML) first, then ASP.NET Core's
/// table of extensions, else <c>application/octet-stream</c>. Text the farm writes is UTF-8 and says so.
/// </summary>
internal static class RunFileTypes
{
    public const string Binary = "application/octet-stream";

    private static readonly FileExtensionContentTypeProvider Known = new();

    private static readonly Dictionary<string, string> Farm = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".htm"] = "text/html; charset=utf-8",
        [".md"] = "text/markdown; charset=utf-8",
        [".xml"] = "application/xml; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".log"] = "text/plain; charset=utf-8",
        [".txt"] = "text/plain; charset=utf-8",
        [".yaml"] = "application/yaml; charset=utf-8",
        [".yml"] = "application/yaml; charset=utf-8",
        [".properties"] = "text/plain; charset=utf-8",
        [".csv"] = "text/csv; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".zip"] = "application/zip",
        [".gz"] = "application/gzip",
        [".tgz"] = "application/gzip",
    };

    /// <summary>The content type for a file name.</summary>
    public static string For(string fileName)
    {
        var extension = Path.GetExtension(fileName);
        if (Farm.TryGetValue(extension, out var type)) return type;
        return Known.TryGetContentType(fileName, out var known) ? known : Binary;
    }
}
