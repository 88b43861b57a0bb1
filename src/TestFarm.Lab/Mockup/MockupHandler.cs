using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace TestFarm.Lab.Mockup;

/// <summary>Answers one replay-server request: GET bodies, sessions, PATCH with ETags, actions and task monitors.</summary>
public sealed partial class MockupHandler(MockupResources resources, MockupQuirks quirks)
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, string> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int PollsLeft, JsonObject Result)> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string State, int ReadsLeft)> _pendingPower = new(StringComparer.Ordinal);
    private int _nextId;

    public MockupQuirks Quirks => quirks;

    public MockupRequestLog Requests { get; } = new();

    public MockupResources Resources => resources;

    /// <summary>Forgets every session token, as a BMC does when it restarts: the next call gets 401.</summary>
    public void ExpireSessions() => _sessions.Clear();

    public int ActiveSessions => _sessions.Count;

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var prefix = quirks.PathPrefix.TrimEnd('/');
        if (prefix.Length > 0)
        {
            if (!path.StartsWith(prefix + "/", StringComparison.OrdinalIgnoreCase))
            {
                await MockupReply.Error(404, "Base.1.8.ResourceMissingAtURI", $"The resource at the URI {path} was not found.").WriteAsync(context).ConfigureAwait(false);
                return;
            }
            path = path[prefix.Length..];
        }
        var body = request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0
            ? await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync(context.RequestAborted).ConfigureAwait(false)
            : null;
        var token = request.Headers["X-Auth-Token"].ToString();
        var authorization = request.Headers.Authorization.ToString();
        Requests.Add(new MockupRequest(request.Method, request.Path.Value ?? "/", request.Headers.IfMatch.Count > 0 ? request.Headers.IfMatch.ToString() : null,
            token.Length > 0, authorization.StartsWith("Basic ", StringComparison.Ordinal), body));

        if (quirks.Hold is { } hold && path.Contains(quirks.HoldPathContains, StringComparison.OrdinalIgnoreCase))
            await hold.Task.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        MockupReply reply;
        lock (_gate)
        {
            reply = TakeFault(request.Method, path) ?? Route(request.Method, path, body, token, authorization, request.Headers.IfMatch.ToString());
        }
        await (prefix.Length > 0 ? reply.WithPrefix(prefix) : reply).WriteAsync(context).ConfigureAwait(false);
    }

    private MockupReply? TakeFault(string method, string path)
    {
        foreach (var fault in quirks.Faults.ToArray())
        {
            if ((fault.Method is null || string.Equals(fault.Method, method, StringComparison.OrdinalIgnoreCase))
                && (fault.PathContains is null || path.Contains(fault.PathContains, StringComparison.OrdinalIgnoreCase)))
            {
                // Remove this one fault, keeping the others in order.
                var rest = quirks.Faults.ToArray().ToList();
                rest.Remove(fault);
                quirks.Faults.Clear();
                foreach (var f in rest) quirks.Faults.Enqueue(f);
                return new MockupReply(fault.Status, fault.Body, fault.RetryAfterSeconds is { } seconds
                    ? new Dictionary<string, string> { ["Retry-After"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }
                    : null);
            }
        }
        return null;
    }

    private MockupReply Route(string method, string path, string? body, string token, string authorization, string ifMatch)
    {
        var key = MockupResources.Key(path);
        var sessionsPath = SessionsCollection();
        if (method == "POST" && sessionsPath is not null && key == MockupResources.Key(sessionsPath)) return Login(sessionsPath, body);
        if (key != "/redfish/v1" && quirks.RequireAuth && !Authorized(token, authorization))
            return MockupReply.Error(401, "Base.1.8.NoValidSession", "There is no valid session established with the implementation.");
        return method switch
        {
            "GET" => Get(path),
            "PATCH" => Patch(path, body, ifMatch),
            "POST" => Post(path, body),
            "DELETE" => Delete(path, token),
            _ => MockupReply.Error(405, "Base.1.8.OperationNotAllowed", $"{method} is not allowed here"),
        };
    }

    private bool Authorized(string token, string authorization)
    {
        if (token.Length > 0 && _sessions.ContainsKey(token)) return true;
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{quirks.User}:{quirks.Password}"));
        return authorization == basic;
    }

    private string? SessionsCollection()
    {
        var root = resources.Find("/redfish/v1")?.Body;
        if (root?["Links"]?["Sessions"]?["@odata.id"] is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        var service = root?["SessionService"]?["@odata.id"]?.GetValue<string>();
        return service is null ? null : resources.Find(service)?.Body["Sessions"]?["@odata.id"]?.GetValue<string>() ?? service.TrimEnd('/') + "/Sessions";
    }

    private MockupReply Login(string sessionsPath, string? body)
    {
        var request = body is null ? null : JsonNode.Parse(body) as JsonObject;
        var user = request?["UserName"]?.GetValue<string>();
        var password = request?["Password"]?.GetValue<string>();
        if (user != quirks.User || password != quirks.Password)
            return MockupReply.Error(401, "Base.1.8.ResourceAtUriUnauthorized", "While accessing the resource, an authorization error occurred.");
        var id = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        var token = Guid.NewGuid().ToString("N");
        var uri = sessionsPath.TrimEnd('/') + "/" + id;
        _sessions[token] = uri;
        var session = new JsonObject { ["@odata.id"] = uri, ["Id"] = id, ["UserName"] = user };
        var headers = new Dictionary<string, string> { ["X-Auth-Token"] = token };
        if (quirks.SessionLocationHeader) headers["Location"] = uri;
        return new MockupReply(201, session.ToJsonString(), headers);
    }

    private MockupReply Delete(string path, string token)
    {
        var key = MockupResources.Key(path);
        var match = _sessions.FirstOrDefault(s => MockupResources.Key(s.Value) == key);
        if (match.Key is null) return MockupReply.Error(404, "Base.1.8.ResourceMissingAtURI", $"The resource at the URI {path} was not found.");
        _sessions.TryRemove(match.Key, out _);
        return new MockupReply(204, null);
    }
}
