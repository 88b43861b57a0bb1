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
        return Results.Problem(statusCode: status, title: title, detail: detail, instance: http.Request.Path + http.Request.QueryString,
            extensions: extensions);
    }

    public static IResult NotFound(HttpContext http, string what) =>
        Of(http, StatusCodes.Status404NotFound, "Not found", $"{http.Request.Path}: {what}");
}
