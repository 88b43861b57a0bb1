using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace TestFarm.Lab.Mockup;

/// <summary>One replay-server answer.</summary>
public sealed record MockupReply(int Status, string? Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static MockupReply Error(int status, string messageId, string message) =>
        new(status, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = messageId,
                ["message"] = message,
                ["@Message.ExtendedInfo"] = new JsonArray(new JsonObject { ["MessageId"] = messageId, ["Message"] = message, ["Severity"] = "Warning" }),
            },
        }.ToJsonString());

    /// <summary>The same reply with every served path (bodies and Location) under <paramref name="prefix"/>.</summary>
    public MockupReply WithPrefix(string prefix) => this with
    {
        Body = Body?.Replace("\"/redfish/v1", "\"" + prefix + "/redfish/v1", StringComparison.Ordinal),
        Headers = Headers?.ToDictionary(h => h.Key, h => h.Key == "Location" && h.Value.StartsWith('/') ? prefix + h.Value : h.Value),
    };

    public async Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = Status;
        response.Headers["OData-Version"] = "4.0";
        foreach (var (name, value) in Headers ?? new Dictionary<string, string>()) response.Headers[name] = value;
        if (Body is not null)
        {
            response.ContentType = "application/json; charset=utf-8";
            await response.WriteAsync(Body, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
