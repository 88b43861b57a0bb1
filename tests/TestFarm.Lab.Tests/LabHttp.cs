using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace TestFarm.Lab.Tests;

/// <summary>A plain HttpClient against a lab, with basic auth, for tests that look at raw Redfish answers.</summary>
internal static class LabHttp
{
    public static HttpClient Client(Uri baseAddress, string user = "admin", string password = "lab-secret", TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client;
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static async Task<JsonObject> BodyAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) as JsonObject ?? throw new AssertionException($"not a JSON object: {text}");
    }

    /// <summary>The MessageIds in a Redfish error body's <c>@Message.ExtendedInfo</c>.</summary>
    public static async Task<IReadOnlyList<string>> MessageIdsAsync(HttpResponseMessage response)
    {
        var body = await BodyAsync(response);
        var info = body["error"]?["@Message.ExtendedInfo"]?.AsArray() ?? throw new AssertionException($"no error.@Message.ExtendedInfo in {body}");
        return [.. info.Select(m => m!["MessageId"]!.GetValue<string>())];
    }
}
