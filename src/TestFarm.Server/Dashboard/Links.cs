namespace TestFarm.Server.Dashboard;

/// <summary>The dashboard's URLs, built in one place; every id is escaped (a cell id's '/' too).</summary>
internal static class Links
{
    public static string Esc(string value) => Uri.EscapeDataString(value);

    /// <summary>
    /// The request path's segments from <paramref name="from"/> on, each unescaped exactly once from the raw request target,
    /// joined with '/'. Route values cannot be trusted for ids: Kestrel decodes every escape but <c>%2F</c>, so an id
    /// <c>a/b</c> arrives as <c>a%2Fb</c> and an id <c>a%2Fb</c> (its '%' sent as <c>%25</c>) arrives the same. Pass
    /// <paramref name="count"/> for a segment in the middle of a route (1), none for a catch-all tail.
    /// </summary>
    public static string Segment(Microsoft.AspNetCore.Http.HttpContext http, int from, int? count = null)
    {
        var raw = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        if (raw is null || !raw.StartsWith('/')) raw = http.Request.PathBase.Add(http.Request.Path).ToUriComponent();
        var query = raw.IndexOfAny(['?', '#']);
        if (query >= 0) raw = raw[..query];
        var segments = raw.Split('/')[1..];
        var take = segments.Skip(from).Take(count ?? int.MaxValue).Select(Uri.UnescapeDataString);
        return string.Join('/', take);
    }

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
