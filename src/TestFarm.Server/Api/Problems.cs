using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace TestFarm.Server.Api;

/// <summary>RFC 7807 problem bodies that name the request's URL and, where one is at fault, the field.</summary>
public static class Problems
{
    /// <summary>The most characters of a caller's id, path or URL an answer repeats.</summary>
    public const int MaxEcho = 200;

    private const int MaxDetail = 2000;
    private const int MaxQuoted = 100;

    public static IResult Of(HttpContext http, int status, string title, string detail, string? field = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var extensions = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (field is not null) extensions["field"] = field;
        return Results.Problem(statusCode: status, title: title, detail: Echo(detail, MaxDetail), instance: Echo(http.Request.Path + http.Request.QueryString),
            extensions: extensions);
    }

    public static IResult NotFound(HttpContext http, string what) =>
        Of(http, StatusCodes.Status404NotFound, "Not found", $"{Echo(http.Request.Path)}: {what}");

    /// <summary>A value from the request, quoted for a message: at most 100 characters, the rest counted, never echoed whole.</summary>
    public static string Quote(string? value) =>
        value is null ? "nothing" : value.Length <= MaxQuoted ? $"'{Echo(value)}'" : $"'{Echo(value[..MaxQuoted])}…' ({value.Length} characters)";

    /// <summary><paramref name="value"/> as an answer repeats it: control characters escaped, cut after <paramref name="max"/> characters.</summary>
    public static string Echo(string? value, int max = MaxEcho)
    {
        if (value is null) return "";
        var text = new StringBuilder(Math.Min(value.Length, max) + 16);
        foreach (var c in value)
        {
            if (text.Length >= max)
            {
                text.Append(CultureInfo.InvariantCulture, $"…({value.Length} chars)");
                break;
            }
            if (char.IsControl(c)) text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else text.Append(c);
        }
        return text.ToString();
    }
}
