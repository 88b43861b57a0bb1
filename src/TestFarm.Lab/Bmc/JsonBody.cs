using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace TestFarm.Lab.Bmc;

/// <summary>Reads a request body as a JSON object, turning every kind of bad input into a Redfish 400.</summary>
internal static class JsonBody
{
    private const int MaxBytes = 1 << 20;

    /// <summary>The object, or an error result. An empty body is an empty object when <paramref name="allowEmpty"/>.</summary>
    public static async Task<(JsonObject? Body, IResult? Error)> ReadObjectAsync(HttpContext context, bool allowEmpty = false)
    {
        using var buffer = new MemoryStream();
        try
        {
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            return (null, RedfishErrors.Malformed(ex.Message));
        }
        if (buffer.Length > MaxBytes)
            return (null, RedfishErrors.Malformed($"body of {buffer.Length} bytes is larger than {MaxBytes}"));
        if (buffer.Length == 0 || buffer.ToArray().All(b => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
            return allowEmpty ? (new JsonObject(), null) : (null, RedfishErrors.Malformed("the body is empty"));
        try
        {
            var node = JsonNode.Parse(buffer.ToArray());
            return node is JsonObject obj ? (obj, null) : (null, RedfishErrors.Malformed("the body is not a JSON object"));
        }
        catch (JsonException ex)
        {
            return (null, RedfishErrors.Malformed($"line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}: {FirstSentence(ex.Message)}"));
        }
    }

    /// <summary>A string property, or null when absent; <paramref name="wrongType"/> is set when present but not a string.</summary>
    public static string? String(JsonObject body, string name, out bool wrongType)
    {
        wrongType = false;
        if (!body.TryGetPropertyValue(name, out var node) || node is null) return null;
        if (node is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        wrongType = true;
        return null;
    }

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(". ", StringComparison.Ordinal);
        return i > 0 ? message[..(i + 1)] : message;
    }
}
