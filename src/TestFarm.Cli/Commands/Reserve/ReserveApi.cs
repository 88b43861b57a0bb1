using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace TestFarm.Cli.Commands.Reserve;

/// <summary>
/// What every <c>testfarm reserve</c> verb shares: <c>--server URL</c> and <c>--token</c> (or <c>TESTFARM_TOKEN</c>), one call
/// to <c>/api/v1/reservations…</c>, and on refusal the API's problem details (title, detail, the field at fault) on stderr
/// with a non-zero exit code: 1 refused (4xx), 4 the server failed or could not be reached, 2 no usable server or token.
/// </summary>
internal sealed class ReserveApi(IHttpClientFactory http)
{
    public const string TokenVariable = "TESTFARM_TOKEN";
    private const int MaxShown = 2000;

    public Option<string> Server { get; } = new("--server") { Description = "The farm server's base URL, e.g. http://127.0.0.1:8080", Required = true };
    public Option<string?> Token { get; } = new("--token") { Description = $"An API token (operator to create, extend or release); default ${TokenVariable}" };

    public void AddTo(Command command)
    {
        command.Options.Add(Server);
        command.Options.Add(Token);
    }

    /// <summary>Sends one request; the answer's JSON, or null after the refusal or failure was written (with its exit code).</summary>
    public async Task<(JsonNode? Body, int Code)> SendAsync(ParseResult parse, string verb, HttpMethod method, string path, object? body, CancellationToken ct)
    {
        var error = parse.InvocationConfiguration.Error;
        var server = parse.GetValue(Server)!;
        if (!Uri.TryCreate(server, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync($"reserve {verb}: --server must be an http(s) URL, was '{Cut(server, 200)}'");
            return (null, ExitCodes.Usage);
        }
        var token = parse.GetValue(Token) ?? Environment.GetEnvironmentVariable(TokenVariable);
        if (string.IsNullOrWhiteSpace(token))
        {
            await error.WriteLineAsync($"reserve {verb}: no API token: pass --token or set {TokenVariable}");
            return (null, ExitCodes.Usage);
        }
        using var client = http.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        using var request = new HttpRequestMessage(method, new Uri(baseUri, path));
        request.Headers.Authorization = new("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        HttpResponseMessage response;
        string text;
        try
        {
            response = await client.SendAsync(request, ct);
            text = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            await error.WriteLineAsync($"reserve {verb}: {new Uri(baseUri, path)}: {e.Message}");
            return (null, ExitCodes.RemoteFailure);
        }
        using (response)
        {
            var json = Parse(text);
            if (response.IsSuccessStatusCode) return (json, ExitCodes.Success);
            await error.WriteLineAsync($"reserve {verb}: {(int)response.StatusCode} {Problem(json, text)}");
            return (null, (int)response.StatusCode >= 500 ? ExitCodes.RemoteFailure : ExitCodes.InvalidInput);
        }
    }

    /// <summary>A problem details body as one line: title, detail, and the field at fault; else the body, cut.</summary>
    private static string Problem(JsonNode? json, string text)
    {
        if (json is not JsonObject p) return Cut(text.ReplaceLineEndings(" "), MaxShown);
        var parts = new[] { Str(p, "title"), Str(p, "detail") }.Where(s => !string.IsNullOrEmpty(s));
        var field = Str(p, "field");
        return Cut(string.Join(": ", parts) + (field is null ? "" : $" (field: {field})"), MaxShown);
    }

    private static JsonNode? Parse(string text)
    {
        try { return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text); }
        catch (System.Text.Json.JsonException) { return null; }
    }

    public static string? Str(JsonNode? node, string key) => node is JsonObject o && o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static string Cut(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
