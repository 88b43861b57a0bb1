using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TestFarm.Cli.Commands.Bench.Crash;

/// <summary>
/// The crash bench's stand-in GitHub (<c>--github</c>): the few REST calls a pull-request run makes (check runs, commit
/// statuses, issue comments), served on 127.0.0.1 and recorded with the status each was answered, so that after a trial
/// the bench can check what the farm's outbox delivered across the kill. Everything else is answered 404.
/// </summary>
internal sealed class CrashGitHub : IAsyncDisposable
{
    private const int MaxBody = 1 << 20;
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<CrashGitHubCall> _calls = [];
    private readonly Dictionary<long, JsonObject> _checkRuns = [];
    private readonly Dictionary<long, (int Issue, string Body)> _comments = [];
    private long _nextId = 1000;

    private CrashGitHub(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public static async Task<CrashGitHub> StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var github = new CrashGitHub(app);
        app.Run(github.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        github.BaseUrl = new Uri(app.Urls.First() + "/");
        return github;
    }

    /// <summary>Every call so far, in order, with the status it was answered.</summary>
    public IReadOnlyList<CrashGitHubCall> Calls
    {
        get { lock (_gate) return [.. _calls]; }
    }

    /// <summary>The ids of the check runs created, in order.</summary>
    public IReadOnlyList<long> CheckRunIds
    {
        get { lock (_gate) return [.. _checkRuns.Keys.Order()]; }
    }

    /// <summary>Comments by id: (issue number, body).</summary>
    public IReadOnlyDictionary<long, (int Issue, string Body)> Comments
    {
        get { lock (_gate) return new Dictionary<long, (int, string)>(_comments); }
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var text = await reader.ReadToEndAsync(http.RequestAborted).ConfigureAwait(false);
        JsonNode? body = null;
        try { body = text.Length is > 0 and <= MaxBody ? JsonNode.Parse(text) : null; }
        catch (System.Text.Json.JsonException) { /* answered 422 below */ }
        var (status, answer) = Route(http.Request.Method, http.Request.Path.Value ?? "", http.Request.Query["check_name"].ToString(), body);
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(answer?.ToJsonString() ?? "{\"message\":\"Not Found\"}", http.RequestAborted).ConfigureAwait(false);
    }

    private (int Status, JsonNode? Answer) Route(string method, string path, string checkName, JsonNode? body)
    {
        var p = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        lock (_gate)
        {
            var (status, answer) = p.Length < 4 || p[0] != "repos" ? (404, null) : Answer(method, p[3..], checkName, body);
            _calls.Add(new CrashGitHubCall(method, path, status, body?.DeepClone()));
            return (status, answer);
        }
    }

    private (int, JsonNode?) Answer(string method, string[] p, string checkName, JsonNode? body)
    {
        if (body is null && method is "POST" or "PATCH") return (422, new JsonObject { ["message"] = "a JSON body is required" });
        switch (method, p)
        {
            case ("POST", ["check-runs"]):
            {
                var id = ++_nextId;
                _checkRuns[id] = body!.DeepClone().AsObject();
                return (201, new JsonObject { ["id"] = id, ["head_sha"] = body!["head_sha"]?.DeepClone(), ["name"] = body["name"]?.DeepClone(), ["status"] = body["status"]?.DeepClone() });
            }
            case ("PATCH", ["check-runs", var idText]) when long.TryParse(idText, CultureInfo.InvariantCulture, out var id) && _checkRuns.TryGetValue(id, out var run):
                foreach (var (k, v) in body!.AsObject()) run[k] = v?.DeepClone();
                return (200, new JsonObject { ["id"] = id, ["status"] = run["status"]?.DeepClone(), ["conclusion"] = run["conclusion"]?.DeepClone() });
            case ("GET", ["commits", var sha, "check-runs"]):
            {
                // The farm looks for its own check run before creating one (a resent report must not open a second).
                var runs = _checkRuns.Where(c => c.Value["head_sha"]?.GetValue<string>() == sha
                    && (checkName.Length == 0 || c.Value["name"]?.GetValue<string>() == checkName)).OrderBy(c => c.Key).ToList();
                return (200, new JsonObject
                {
                    ["total_count"] = runs.Count,
                    ["check_runs"] = new JsonArray([.. runs.Select(c => (JsonNode)new JsonObject
                    {
                        ["id"] = c.Key, ["head_sha"] = sha, ["name"] = c.Value["name"]?.DeepClone(), ["external_id"] = c.Value["external_id"]?.DeepClone(),
                        ["status"] = c.Value["status"]?.DeepClone() ?? "queued", ["conclusion"] = c.Value["conclusion"]?.DeepClone(),
                    })]),
                });
            }
            case ("POST", ["statuses", _]):
                return (201, new JsonObject { ["id"] = ++_nextId, ["state"] = body!["state"]?.DeepClone() });
            case ("GET", ["issues", var n, "comments"]) when int.TryParse(n, CultureInfo.InvariantCulture, out var issue):
                return (200, new JsonArray([.. _comments.Where(c => c.Value.Issue == issue).Select(c => (JsonNode)new JsonObject { ["id"] = c.Key, ["body"] = c.Value.Body })]));
            case ("POST", ["issues", var n, "comments"]) when int.TryParse(n, CultureInfo.InvariantCulture, out var issue):
            {
                var id = ++_nextId;
                _comments[id] = (issue, body!["body"]?.GetValue<string>() ?? "");
                return (201, new JsonObject { ["id"] = id, ["body"] = _comments[id].Body });
            }
            case ("PATCH", ["issues", "comments", var idText]) when long.TryParse(idText, CultureInfo.InvariantCulture, out var id) && _comments.TryGetValue(id, out var c):
                _comments[id] = (c.Issue, body!["body"]?.GetValue<string>() ?? "");
                return (200, new JsonObject { ["id"] = id, ["body"] = _comments[id].Body });
            case ("GET", ["pulls", _, "files"]):
                return (200, new JsonArray());
            default:
                return (404, null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>One call the stand-in GitHub answered.</summary>
internal sealed record CrashGitHubCall(string Method, string Path, int Status, JsonNode? Body);
