using Microsoft.AspNetCore.Http;

namespace TestFarm.Server.Api;

/// <summary>RFC 7807 problem bodies that name the request's URL and, where one is at fault, the field.</summary>
public static class Problems
{
    public static IResult Of(HttpContext http, int status, string title, string detail, string? field = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var extensions = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (field is not null) extensions["field"] = field;
        return Results.Problem(statusCode: status, title: title, detail: Bound(detail, MaxDetail), instance: Bound(http.Request.Path + http.Request.QueryString, MaxInstance),
            extensions: extensions);
    }

    private const int MaxDetail = 2000;
    private const int MaxInstance = 300;
    private const int MaxQuoted = 100;

    /// <summary>A value from the request, quoted for a message: at most 100 characters, the rest counted, never echoed whole.</summary>
    public static string Quote(string? value) =>
        value is null ? "nothing" : value.Length <= MaxQuoted ? $"'{Printable(value)}'" : $"'{Printable(value[..MaxQuoted])}…' ({value.Length} characters)";

    private static string Bound(string text, int max) => text.Length <= max ? text : text[..max] + $"… ({text.Length} characters)";

    private static string Printable(string text) => string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    public static IResult NotFound(HttpContext http, string what) =>
        Of(http, StatusCodes.Status404NotFound, "Not found", $"{Bound(http.Request.Path.ToString(), MaxInstance)}: {what}");
}
