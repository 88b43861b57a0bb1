using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using TestFarm.Server.Api;

namespace TestFarm.Server.Reports;

/// <summary>
/// Answers 400 (problem+json naming the field) to a request under <c>/api/v1/runs/</c> whose path, as the client sent it,
/// has a <c>.</c> or <c>..</c> segment (plain or percent-encoded), an encoded <c>/</c> or <c>\</c>, a NUL or another control
/// character, a backslash or an empty segment. Kestrel removes dot segments before routing, so without this such a request
/// would quietly reach another URL; the file endpoints check ids and paths again themselves (<see cref="RunFiles"/>), so
/// nothing outside a run's folder is read either way.
/// </summary>
internal static class RunPathGuard
{
    private const string Prefix = "/api/v1/runs/";

    public static IApplicationBuilder UseRunPathGuard(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? raw[..query] : raw;
        if (path.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && Refusal(path[Prefix.Length..]) is { } bad)
        {
            var log = http.RequestServices.GetService(typeof(ILoggerFactory)) as ILoggerFactory;
            if (log is not null) ReportLog.PathRefused(log.CreateLogger("TestFarm.Server.Reports"), bad.Field, Problems.Echo(path), bad.Detail);
            await Problems.Of(http, StatusCodes.Status400BadRequest, "Bad path", bad.Detail, bad.Field).ExecuteAsync(http);
            return;
        }
        await next(http);
    });

    /// <summary>
    /// Why the rest of a run URL (after <c>/api/v1/runs/</c>, as sent) is refused, and the field at fault: the first segment
    /// is the run's <c>id</c>, segments after <c>reports/</c> the report's <c>name</c>, any other the <c>path</c>.
    /// </summary>
    internal static (string Field, string Detail)? Refusal(string rest)
    {
        var segments = rest.Split('/');
        var kind = segments.Length > 1 ? segments[1] : "";
        for (var i = 0; i < segments.Length; i++)
        {
            var field = i == 0 ? "id" : i >= 2 && kind == RunFileLinks.ReportsSegment ? "name" : "path";
            var sent = i == 0 ? segments[0] : string.Join('/', segments.Skip(i == 1 ? 1 : 2));
            var raw = segments[i];
            if (raw.Length == 0)
            {
                if (i == segments.Length - 1) continue;
                return (field, $"{field} '{Problems.Echo(sent)}' has an empty segment ('//'): paths are relative to the run's folder");
            }
            var decoded = Decode(raw);
            if (decoded.Contains('/', StringComparison.Ordinal))
                return (field, $"{field} '{Problems.Echo(sent)}' contains an encoded '/' (%2F); name files by their path in the run's folder");
            if (RunPaths.SegmentRefusal(decoded) is { } why) return (field, $"{field} '{Problems.Echo(sent)}' {why}");
        }
        return null;
    }

    private static string Decode(string segment)
    {
        try
        {
            return Uri.UnescapeDataString(segment);
        }
        catch (UriFormatException)
        {
            return segment;
        }
    }
}
