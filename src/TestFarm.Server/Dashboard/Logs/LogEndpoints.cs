using System.Globalization;
using Microsoft.AspNetCore.Http;
using TestFarm.Server.Api;
using TestFarm.Server.Reports;

namespace TestFarm.Server.Dashboard.Logs;

/// <summary>
/// <c>/logs/runs/{id}/{cell folder}/{path}</c> (a file a cell kept) and <c>/logs/machines/{id}/console</c> (a machine's
/// serial console), for viewers. Without a query: the tail as JSON <c>{start, end, size, text}</c>; <c>?before=N</c> pages
/// backwards from byte N; <c>?after=N</c> reads on from N (following a growing file); <c>?q=TEXT</c> searches server-side
/// from <c>?from=N</c> and returns at most <c>?max=</c> (default 50, at most 500) hits. <c>?limit=</c> bytes per chunk
/// (default 64 KiB, at most 1 MiB). Every answer is bounded; no file is loaded whole.
/// </summary>
internal static class LogEndpoints
{
    public const int DefaultLimit = 64 * 1024;

    public static Task<IResult> CellLogAsync(string id, string path, HttpContext http, RunFiles files, CancellationToken ct)
    {
        (id, path) = (Links.Segment(http, 2, 1), Links.Segment(http, 3));
        var lookup = files.Find(id, path, "path", under: "cells");
        return Task.FromResult(lookup.Outcome switch
        {
            RunFileOutcome.Found when lookup.File is { } f => Answer(http, f.FullName, ct),
            RunFileOutcome.Refused => Problems.Of(http, StatusCodes.Status400BadRequest, "Bad path", lookup.Detail, lookup.Field),
            _ => Problems.Of(http, StatusCodes.Status404NotFound, "Not found", lookup.Detail, lookup.Field),
        });
    }

    public static IResult ConsoleLog(string id, HttpContext http, ConsoleLogs consoles, CancellationToken ct)
    {
        id = Links.Segment(http, 2, 1);
        return consoles.PathFor(id) is { } path ? Answer(http, path, ct)
            : Problems.Of(http, StatusCodes.Status404NotFound, "Not found", $"machine '{Problems.Echo(id)}' has no console log on this farm", "id");
    }

    private static IResult Answer(HttpContext http, string path, CancellationToken ct)
    {
        var q = http.Request.Query;
        if (Number(q, "limit", 1, LogReader.MaxChunk, out var limit) is { } e1) return Bad(http, e1, "limit");
        if (Number(q, "before", 0, long.MaxValue, out var before) is { } e2) return Bad(http, e2, "before");
        if (Number(q, "after", 0, long.MaxValue, out var after) is { } e3) return Bad(http, e3, "after");
        if (Number(q, "from", 0, long.MaxValue, out var from) is { } e4) return Bad(http, e4, "from");
        if (Number(q, "max", 1, 500, out var max) is { } e5) return Bad(http, e5, "max");
        http.Response.Headers.CacheControl = "no-store";
        var text = q["q"].ToString();
        if (q.ContainsKey("q"))
        {
            if (text.Length is 0 or > 200) return Bad(http, $"must be 1 to 200 characters, was {text.Length}", "q");
            return Results.Ok(LogReader.Search(path, text, from ?? 0, (int)(max ?? 50), ct));
        }
        if (before is not null && after is not null) return Bad(http, "give either before or after, not both", "after");
        var chunk = after is { } a ? LogReader.After(path, a, (int)(limit ?? DefaultLimit)) : LogReader.Before(path, before, (int)(limit ?? DefaultLimit));
        return Results.Ok(chunk);
    }

    private static IResult Bad(HttpContext http, string why, string field) =>
        Problems.Of(http, StatusCodes.Status400BadRequest, "Bad query", $"query '{field}' {why}", field);

    private static string? Number(IQueryCollection q, string key, long min, long max, out long? value)
    {
        value = null;
        if (!q.TryGetValue(key, out var raw)) return null;
        if (!long.TryParse(raw.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            return $"must be a whole number from {min} to {max}, was '{Problems.Echo(raw.ToString())}'";
        value = n;
        return null;
    }
}
