namespace TestFarm.Server.Dashboard;

/// <summary>The dashboard's URLs, built in one place; every id is escaped (a cell id's '/' too).</summary>
internal static class Links
{
    public static string Esc(string value) => Uri.EscapeDataString(value);

    /// <summary>
    /// A route value as the handler sees it: Kestrel decodes a path except <c>%2F</c>, which ids with '/' (cells, tests)
    /// arrive with.
    /// </summary>
    public static string Decode(string value) => value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    public static string Machine(string id) => $"/machines/{Esc(id)}";
    public static string Run(string id) => $"/runs/{Esc(id)}";
    public static string Cell(string run, string cell) => $"/runs/{Esc(run)}/cells/{Esc(cell)}";
    public static string Test(string testId) => $"/tests/{Esc(testId)}";
    public static string Fleet(string? state = null, string? profile = null) =>
        "/" + Query(("state", state), ("profile", profile));
    public static string CellLog(string run, string path) => $"/logs/runs/{Esc(run)}/{string.Join('/', path.Split('/').Select(Esc))}";
    public static string ConsoleLog(string machine) => $"/logs/machines/{Esc(machine)}/console";
    public static string Artifact(string run, string path) => $"/api/v1/runs/{Esc(run)}/artifacts/{string.Join('/', path.Split('/').Select(Esc))}";

    public static string Query(params (string Key, string? Value)[] pairs)
    {
        var parts = pairs.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Key}={Esc(p.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }
}
