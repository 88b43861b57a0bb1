using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TestFarm.Testing.GitHub;

/// <summary>
/// A loopback GitHub REST stub (Kestrel on 127.0.0.1, port 0). It records every request, keeps check runs,
/// statuses and issue comments in memory, replays the fixture's 201 check-run response, and can be told to
/// fail the next requests (5xx, rate limits) to exercise retries and the outbox.
/// </summary>
public sealed class GitHubStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Failure> _failures = new();
    private readonly Lock _gate = new();
    private long _nextId = 100;

    private GitHubStub(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();
    /// <summary>Every request with the status it was answered (failures included).</summary>
    public ConcurrentQueue<(RecordedRequest Request, int Status)> Answers { get; } = new();
    public Dictionary<long, JsonObject> CheckRuns { get; } = [];
    /// <summary>Comments by id: (issue number, body).</summary>
    public Dictionary<long, (int Issue, string Body)> Comments { get; } = [];
    public Dictionary<int, List<string>> PullFiles { get; } = [];
    public Dictionary<int, JsonObject> Pulls { get; } = [];
    /// <summary>Collaborator permissions by login (GET collaborators/{login}/permission); others get 404.</summary>
    public Dictionary<string, string> Permissions { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Installation token handed out by POST /app/installations/{id}/access_tokens, and its lifetime.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);
    public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UnixEpoch;

    public static async Task<GitHubStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var stub = new GitHubStub(app);
        app.Run(stub.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        stub.BaseUrl = new Uri(app.Urls.First() + "/");
        return stub;
    }

    /// <summary>The next <paramref name="count"/> requests matching <paramref name="method"/> get this answer.</summary>
    public void FailNext(int count, int status, string method = "*", IDictionary<string, string>? headers = null, string body = "{\"message\":\"Server Error\"}")
    {
        for (var i = 0; i < count; i++) _failures.Enqueue(new Failure(method, status, headers ?? new Dictionary<string, string>(), body));
    }

    /// <summary>Drops the failures not served yet.</summary>
    public void Heal() => _failures.Clear();

    public IReadOnlyList<RecordedRequest> Matching(string method, string pathContains) =>
        [.. Requests.Where(r => r.Method == method && r.Path.Contains(pathContains, StringComparison.Ordinal))];

    private async Task HandleAsync(HttpContext http)
    {
        var body = await new StreamReader(http.Request.Body).ReadToEndAsync().ConfigureAwait(false);
        var json = body.Length > 0 ? JsonNode.Parse(body) : null;
        var request = new RecordedRequest(http.Request.Method, http.Request.Path.Value ?? "", http.Request.QueryString.Value ?? "",
            http.Request.Headers.Authorization.ToString(), http.Request.Headers["X-GitHub-Api-Version"].ToString(), json);
        Requests.Enqueue(request);
        if (_failures.TryPeek(out var f) && (f.Method == "*" || f.Method == request.Method) && _failures.TryDequeue(out f))
        {
            http.Response.StatusCode = f.Status;
            Answers.Enqueue((request, f.Status));
            foreach (var (k, v) in f.Headers) http.Response.Headers[k] = v;
            await http.Response.WriteAsync(f.Body).ConfigureAwait(false);
            return;
        }
        var (status, response) = Route(request);
        Answers.Enqueue((request, status));
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(response?.ToJsonString() ?? "{\"message\":\"Not Found\"}").ConfigureAwait(false);
    }

    private (int, JsonNode?) Route(RecordedRequest r)
    {
        var p = r.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        lock (_gate)
        {
            if (r.Method == "POST" && p is ["app", "installations", _, "access_tokens"])
                return (201, new JsonObject { ["token"] = $"ghs_stub{++_nextId}", ["expires_at"] = (Clock() + TokenLifetime).ToString("O") });
            if (p.Length < 4 || p[0] != "repos") return (404, null);
            switch (r.Method, p[3..])
            {
                case ("POST", ["check-runs"]):
                {
                    var id = ++_nextId;
                    CheckRuns[id] = (JsonObject)r.Body!.DeepClone();
                    var response = JsonNode.Parse(File.ReadAllText(Fixtures.Shared("github", "rest", "checks-create.response-201.completed.json")))!.AsObject();
                    response["id"] = id;
                    response["status"] = r.Body!["status"]?.DeepClone();
                    response["conclusion"] = r.Body!["conclusion"]?.DeepClone();
                    return (201, response);
                }
                case ("PATCH", ["check-runs", var idText]) when CheckRuns.TryGetValue(long.Parse(idText, System.Globalization.CultureInfo.InvariantCulture), out var run):
                    foreach (var (k, v) in r.Body!.AsObject())
                    {
                        if (k == "output" && run["output"] is JsonObject old && old["annotations"] is JsonArray oldNotes && v?["annotations"] is JsonArray newNotes)
                        {
                            var merged = new JsonArray([.. oldNotes.Select(n => n!.DeepClone()), .. newNotes.Select(n => n!.DeepClone())]);
                            var copy = v.DeepClone().AsObject();
                            copy["annotations"] = merged;
                            run[k] = copy;
                        }
                        else run[k] = v?.DeepClone();
                    }
                    return (200, new JsonObject { ["id"] = long.Parse(idText, System.Globalization.CultureInfo.InvariantCulture) });
                case ("GET", ["commits", var sha, "check-runs"]):
                {
                    var query = System.Web.HttpUtility.ParseQueryString(r.Query);
                    var runs = CheckRuns.Where(c => c.Value["head_sha"]?.GetValue<string>() == sha
                        && (query["check_name"] is not { } name || c.Value["name"]?.GetValue<string>() == name)).OrderBy(c => c.Key).ToList();
                    var template = JsonNode.Parse(File.ReadAllText(Fixtures.Shared("github", "rest", "checks-create.response-201.completed.json")))!.AsObject();
                    return (200, new JsonObject
                    {
                        ["total_count"] = runs.Count,
                        ["check_runs"] = new JsonArray([.. runs.Select(c =>
                        {
                            var run = template.DeepClone().AsObject();
                            run["id"] = c.Key;
                            foreach (var field in new[] { "name", "head_sha", "external_id", "status", "conclusion" })
                                run[field] = c.Value[field] is { } value ? value.DeepClone() : field is "status" or "conclusion" ? run[field]?.DeepClone() : null;
                            return (JsonNode)run;
                        })]),
                    });
                }
                case ("POST", ["statuses", _]):
                    return (201, new JsonObject { ["id"] = ++_nextId, ["state"] = r.Body!["state"]?.DeepClone() });
                case ("GET", ["issues", var n, "comments"]):
                    return (200, new JsonArray([.. Comments.Where(c => c.Value.Issue == int.Parse(n, System.Globalization.CultureInfo.InvariantCulture))
                        .Select(c => (JsonNode)new JsonObject { ["id"] = c.Key, ["body"] = c.Value.Body })]));
                case ("POST", ["issues", var n, "comments"]):
                {
                    var id = ++_nextId;
                    Comments[id] = (int.Parse(n, System.Globalization.CultureInfo.InvariantCulture), r.Body!["body"]!.GetValue<string>());
                    return (201, new JsonObject { ["id"] = id, ["body"] = Comments[id].Body });
                }
                case ("PATCH", ["issues", "comments", var idText]) when Comments.TryGetValue(long.Parse(idText, System.Globalization.CultureInfo.InvariantCulture), out var c):
                {
                    var id = long.Parse(idText, System.Globalization.CultureInfo.InvariantCulture);
                    Comments[id] = (c.Issue, r.Body!["body"]!.GetValue<string>());
                    return (200, new JsonObject { ["id"] = id, ["body"] = Comments[id].Body });
                }
                case ("GET", ["pulls", var n, "files"]):
                {
                    var page = int.Parse(System.Web.HttpUtility.ParseQueryString(r.Query)["page"] ?? "1", System.Globalization.CultureInfo.InvariantCulture);
                    var files = PullFiles.GetValueOrDefault(int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)) ?? [];
                    return (200, new JsonArray([.. files.Skip((page - 1) * 100).Take(100).Select(f => (JsonNode)new JsonObject { ["filename"] = f, ["status"] = "modified" })]));
                }
                case ("GET", ["collaborators", var login, "permission"]) when Permissions.TryGetValue(login, out var permission):
                    return (200, new JsonObject
                    {
                        ["permission"] = permission, ["role_name"] = permission,
                        ["user"] = new JsonObject { ["login"] = login, ["id"] = 1, ["type"] = "User" },
                    });
                case ("GET", ["pulls", var n]) when Pulls.TryGetValue(int.Parse(n, System.Globalization.CultureInfo.InvariantCulture), out var pr):
                    return (200, pr.DeepClone());
                default:
                    return (404, null);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private sealed record Failure(string Method, int Status, IDictionary<string, string> Headers, string Body);
}

public sealed record RecordedRequest(string Method, string Path, string Query, string Authorization, string ApiVersion, JsonNode? Body);
