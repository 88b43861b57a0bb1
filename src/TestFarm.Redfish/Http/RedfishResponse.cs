using System.Net;
using System.Text.Json;

namespace TestFarm.Redfish.Http;

/// <summary>One answer of a BMC, with the headers the client acts on and the body as JSON when it is JSON.</summary>
public sealed record RedfishResponse
{
    public required HttpMethod Method { get; init; }
    public required Uri Uri { get; init; }
    public required HttpStatusCode Status { get; init; }
    public string Body { get; init; } = "";
    /// <summary>The <c>ETag</c> header as sent (quirks and all); see <see cref="ETags.Normalize"/>.</summary>
    public string? ETagHeader { get; init; }
    public string? Location { get; init; }
    public string? AuthToken { get; init; }
    public TimeSpan? RetryAfter { get; init; }

    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>The body parsed, or an empty object when the body is empty or not JSON.</summary>
    public JsonElement Json => _json ??= ParseJson(Body);
    private JsonElement? _json;

    /// <summary>The ETag to echo in If-Match: the header first, else the body's <c>@odata.etag</c>.</summary>
    public string? ETag => ETags.Normalize(ETagHeader) ?? ETags.Normalize(Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty("@odata.etag", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null);

    private static JsonElement ParseJson(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return Empty;
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return Empty;
        }
    }

    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();
}

/// <summary>ETag quirks: <c>'W/"7dc5e2b9"'</c> (single-quoted), <c>"\"W/'gen-1'\""</c> (double-quoted), <c>W/""</c> (empty).</summary>
public static class ETags
{
    public static string? Normalize(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var s = raw.Trim();
        if (s.Length >= 2 && s[0] == '\'' && s[^1] == '\'') s = s[1..^1].Trim();
        // A whole ETag wrapped once more in double quotes: "\"W/...\"" or "\"abc\"".
        if (s.Length >= 4 && s.StartsWith("\"W/", StringComparison.Ordinal) && s[^1] == '"') s = s[1..^1];
        else if (s.Length >= 4 && s.StartsWith("\"\"", StringComparison.Ordinal) && s.EndsWith("\"\"", StringComparison.Ordinal)) s = s[1..^1];
        if (s is "W/\"\"" or "\"\"") return null;
        return s;
    }
}
