using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace TestFarm.Lab.Cluster;

/// <summary>Routes every request of the simulated API server: discovery, OpenAPI, resources, watch.</summary>
public sealed class ClusterApiHandler
{
    public const string ServerHeader = "TestFarm-Simulated-Kubernetes";
    private readonly ResourceCatalog _catalog;
    private readonly ResourceHandlers _resources;
    private readonly WatchHandler _watch;
    private readonly string _kubernetesVersion;

    public ClusterApiHandler(ResourceCatalog catalog, ResourceHandlers resources, WatchHandler watch, string kubernetesVersion)
    {
        _catalog = catalog;
        _resources = resources;
        _watch = watch;
        _kubernetesVersion = kubernetesVersion;
    }

    public async Task HandleAsync(HttpContext context)
    {
        context.Response.Headers.Server = ServerHeader;
        try
        {
            var result = await DispatchAsync(context);
            if (result is not null) await WriteJsonAsync(context, 200, result);
        }
        catch (ApiStatusException e)
        {
            if (!context.Response.HasStarted) await WriteJsonAsync(context, e.Code, e.ToStatus());
        }
        catch (JsonException e)
        {
            if (!context.Response.HasStarted)
                await WriteJsonAsync(context, 400, new ApiStatusException(400, "BadRequest", "the body is not valid JSON: " + e.Message).ToStatus());
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // Client went away (watch closed).
        }
    }

    private async Task<JsonNode?> DispatchAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var method = context.Request.Method;
        switch (path.TrimEnd('/'))
        {
            case "/version": return DiscoveryDocuments.Version(_kubernetesVersion);
            case "/healthz" or "/livez" or "/readyz":
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok");
                return null;
            case "/api": return DiscoveryDocuments.CoreVersions();
            case "/apis": return DiscoveryDocuments.Groups(_catalog);
            case "/openapi/v3": return DiscoveryDocuments.OpenApiIndex(_catalog, _catalog.All.Count);
            case "/openapi/v2": throw new ApiStatusException(404, "NotFound", "the simulated API server serves /openapi/v3 only");
        }
        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            var parts = path["/openapi/v3/".Length..].Trim('/').Split('/');
            var doc = parts switch
            {
                ["api", var v] => DiscoveryDocuments.OpenApiGroupVersion(_catalog, "", v),
                ["apis", var g, var v] => DiscoveryDocuments.OpenApiGroupVersion(_catalog, g, v),
                _ => null,
            };
            return doc ?? throw new ApiStatusException(404, "NotFound", $"no OpenAPI document at {path}");
        }
        var segments = path.Trim('/').Split('/');
        if (segments is ["api", var coreVersion])
            return DiscoveryDocuments.ResourceList(_catalog, "", coreVersion) ?? throw NotFound(path);
        if (segments is ["apis", var group, var version])
            return DiscoveryDocuments.ResourceList(_catalog, group, version) ?? throw NotFound(path);
        if (segments is ["apis", var onlyGroup])
        {
            var groups = DiscoveryDocuments.Groups(_catalog)["groups"]!.AsArray();
            return groups.FirstOrDefault(g => g!["name"]!.GetValue<string>() == onlyGroup)?.DeepClone() ?? throw NotFound(path);
        }

        var api = ApiPath.Parse(path) ?? throw NotFound(path);
        var type = _catalog.Find(api.Group, api.Version, api.Plural) ?? throw NotFound(path);
        var query = context.Request.Query;
        if (method == "GET" && api.Name is null && IsTrue(query["watch"]))
        {
            await _watch.ServeAsync(context, type, api);
            return null;
        }
        if (method == "GET" && api.Subresource == "log")
        {
            var log = _resources.PodLog(type, api);
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(log, context.RequestAborted);
            return null;
        }
        if (method == "GET" && TableRenderer.Wanted(context.Request.Headers.Accept.ToString()) && api.Subresource is null)
        {
            context.Response.Headers.ContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";
            var items = api.Name is null
                ? _resources.List(type, api, query["labelSelector"], query["fieldSelector"])["items"]!.AsArray().OfType<JsonObject>().ToList()
                : [_resources.Get(type, api)];
            return TableRenderer.Render(type, items, _resources.ResourceVersion, _resources.Now);
        }
        var manager = (string?)query["fieldManager"] ?? "unknown";
        return method switch
        {
            "GET" when api.Name is null => _resources.List(type, api, query["labelSelector"], query["fieldSelector"]),
            "GET" => _resources.Get(type, api),
            "POST" when api.Name is null => Created(context, _resources.Create(type, api, await ReadBodyAsync(context), manager)),
            "PUT" when api.Name is not null => _resources.Replace(type, api, await ReadBodyAsync(context), manager),
            "PATCH" when api.Name is not null => _resources.Patch(type, api, context.Request.ContentType ?? "",
                await ReadBodyAsync(context), manager, IsTrue(query["force"])),
            "DELETE" when api.Name is not null => _resources.Delete(type, api, query["propagationPolicy"],
                context.Request.ContentLength > 0 ? await ReadBodyAsync(context) : null),
            _ => throw new ApiStatusException(405, "MethodNotAllowed", $"{method} is not supported on {path}"),
        };
    }

    private static JsonObject Created(HttpContext context, JsonObject obj)
    {
        context.Response.StatusCode = 201;
        return obj;
    }

    private static bool IsTrue(string? value) => value is "true" or "1";

    private static ApiStatusException NotFound(string path) =>
        new(404, "NotFound", $"the server could not find the requested resource ({path})");

    private static async Task<JsonObject> ReadBodyAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType ?? "";
        if (contentType.Contains("protobuf", StringComparison.Ordinal) || contentType.Contains("cbor", StringComparison.Ordinal))
        {
            throw new ApiStatusException(415, "UnsupportedMediaType",
                $"the simulated API server speaks JSON only; content type \"{contentType}\" is not supported");
        }
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        var trimmed = text.TrimStart();
        if (trimmed.Length > 0 && trimmed[0] != '{') return YamlToJson.Parse(text);
        return JsonNode.Parse(text) as JsonObject ?? throw new ApiStatusException(400, "BadRequest", "the body must be a JSON object");
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
    {
        if (context.Response.StatusCode is not 201 || status != 200) context.Response.StatusCode = status;
        if (context.Response.ContentType is null || status != 200) context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
