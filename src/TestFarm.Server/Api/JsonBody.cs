using Microsoft.AspNetCore.Http;

namespace TestFarm.Server.Api;

/// <summary>Reads a JSON body the way every action does: bad JSON is 400 naming the field, a body that is not JSON 415.</summary>
internal static class JsonBody
{
    public static async Task<(T? Body, IResult? Refusal)> ReadAsync<T>(HttpContext http, CancellationToken ct) where T : class
    {
        try
        {
            return (http.Request.ContentLength is 0 ? null : await http.Request.ReadFromJsonAsync<T>(ct), null);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return (null, Problems.Of(http, StatusCodes.Status400BadRequest, "Bad JSON", $"body: {ex.Message}", ex.Path is { Length: > 1 } p ? p.TrimStart('$', '.') : "body"));
        }
        catch (InvalidOperationException ex) when (!http.Request.HasJsonContentType())
        {
            return (null, Problems.Of(http, StatusCodes.Status415UnsupportedMediaType, "Not JSON", $"send the body as application/json: {ex.Message}", "body"));
        }
    }
}
