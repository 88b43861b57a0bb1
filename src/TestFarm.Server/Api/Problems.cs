using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace TestFarm.Server.Api;

/// <summary>RFC 7807 problem bodies that name the request's URL and, where one is at fault, the field.</summary>
public static class Problems
{
    /// <summary>The most characters of a caller's id, path or URL an answer repeats.</summary>
    public const int MaxEcho = 200;

    public static IResult Of(HttpContext http, int status, string title, string detail, string? field = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var extensions = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (field is not null) extensions["field"] = field;
        return Results.Problem(statusCode: status, title: title, detail: detail, instance: Echo(http.Request.Path + http.Request.QueryString),
            extensions: extensions);
    }

    public static IResult NotFound(HttpContext http, string what) =>
        Of(http, StatusCodes.Status404NotFound, "Not found", $"{Echo(http.Request.Path)}: {what}");

    /// <summary><paramref name="value"/> as an answer repeats it: control characters escaped, cut after <see cref="MaxEcho"/> characters.</summary>
    public static string Echo(string? value)
    {
        if (value is null) return "";
        var text = new StringBuilder(Math.Min(value.Length, MaxEcho) + 16);
        foreach (var c in value)
        {
            if (text.Length >= MaxEcho)
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
