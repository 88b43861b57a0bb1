using TestFarm.Core.Time;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Cluster;
using TestFarm.Kubernetes.Kubeconfig;

namespace TestFarm.Kubernetes.Client;

/// <summary>
/// The farm's Kubernetes client: get/list/server-side apply/delete (<see cref="IClusterApi"/>), discovery,
/// watch, pod logs. Errors throw <see cref="ClusterApiException"/> carrying the server's Status.
/// </summary>
public sealed partial class KubernetesClient : IClusterApi, IClusterWatch, IPodLogs, IClusterDelete, IClusterListing, IDisposable
{
    private readonly HttpClient _http;
    private readonly KubeconfigContext _context;
    private readonly KubernetesClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ApiDiscovery _discovery;

    public KubernetesClient(KubeconfigContext context, KubernetesClientOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        _context = context;
        _options = options ?? new KubernetesClientOptions();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
#pragma warning disable RS0030 // One client per kubeconfig context with its own certificates.
        _http = new HttpClient(KubernetesHttp.CreateHandler(context), disposeHandler: true)
        {
            BaseAddress = new Uri(context.Server.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
#pragma warning restore RS0030
        if (context.Token is not null) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", context.Token);
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("testfarm/1.0");
        _discovery = new ApiDiscovery(GetJsonOrNullAsync);
    }

    /// <summary>A client for a kubeconfig file's current (or named) context.</summary>
    public static KubernetesClient FromKubeconfigFile(string path, string? contextName = null, KubernetesClientOptions? options = null,
        TimeProvider? time = null, ILogger? logger = null) =>
        new(KubeconfigLoader.Load(path, contextName), options, time, logger);

    public IClusterDiscovery Discovery => _discovery;

    public KubeconfigContext Context => _context;

    public async Task<JsonObject?> GetAsync(ResourceRef resource, CancellationToken cancellationToken = default)
    {
        var mapping = await MapAsync(resource.Kind, cancellationToken);
        var obj = await GetJsonOrNullAsync(mapping.ItemPath(resource.Name, resource.Namespace ?? _context.Namespace), cancellationToken);
        return obj is null ? null : Stamp(obj, resource.Kind);
    }

    public async Task<IReadOnlyList<JsonObject>> ListAsync(ResourceKind kind, string? ns = null, string? labelSelector = null,
        CancellationToken cancellationToken = default) =>
        (await ListWithVersionAsync(kind, ns, labelSelector, null, cancellationToken)).Items;

    public async Task<ResourceList> ListWithVersionAsync(ResourceKind kind, string? ns = null, string? labelSelector = null,
        string? fieldSelector = null, CancellationToken cancellationToken = default)
    {
        var mapping = await MapAsync(kind, cancellationToken);
        var path = ns is null && mapping.Namespaced ? CollectionAllNamespaces(mapping) : mapping.CollectionPath(ns);
        path += Query(("labelSelector", labelSelector), ("fieldSelector", fieldSelector));
        var list = await SendAsync(HttpMethod.Get, path, null, null, cancellationToken) ?? new JsonObject();
        var items = (list["items"]?.AsArray() ?? []).OfType<JsonObject>().Select(i => Stamp((JsonObject)i.DeepClone(), kind)).ToList();
        return new ResourceList(items, list["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "");
    }

    public async Task<JsonObject> ApplyAsync(JsonObject obj, CancellationToken cancellationToken = default)
    {
        var kind = KindOf(obj);
        var name = obj["metadata"]?["name"]?.GetValue<string>()
                   ?? throw new ClusterApiException($"cannot apply {kind.Kind}: metadata.name is missing");
        var mapping = await MapAsync(kind, cancellationToken);
        var ns = mapping.Namespaced ? obj["metadata"]?["namespace"]?.GetValue<string>() ?? _context.Namespace ?? "default" : null;
        var path = mapping.ItemPath(name, ns) + Query(("fieldManager", _options.FieldManager), ("force", "false"));
        var content = new StringContent(obj.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/apply-patch+yaml");
        var stored = await SendAsync(HttpMethod.Patch, path, content, null, cancellationToken)
                     ?? throw new ClusterApiException($"PATCH {path}: empty answer");
        Log.Applied(_logger, kind.Kind, ns ?? "", name);
        return stored;
    }

    public Task<bool> DeleteAsync(ResourceRef resource, CancellationToken cancellationToken = default) =>
        DeleteAsync(resource, "Background", cancellationToken);

    public async Task<bool> DeleteAsync(ResourceRef resource, string propagationPolicy, CancellationToken cancellationToken = default)
    {
        var mapping = await MapAsync(resource.Kind, cancellationToken);
        var body = new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["propagationPolicy"] = propagationPolicy };
        var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        try
        {
            await SendAsync(HttpMethod.Delete, mapping.ItemPath(resource.Name, resource.Namespace ?? _context.Namespace), content, null, cancellationToken);
            return true;
        }
        catch (ClusterApiException e) when (e.Code == 404)
        {
            return false;
        }
    }

    public async Task<string> GetLogsAsync(string ns, string pod, string? container = null, int? tailLines = null,
        CancellationToken cancellationToken = default)
    {
        var path = $"/api/v1/namespaces/{Uri.EscapeDataString(ns)}/pods/{Uri.EscapeDataString(pod)}/log"
                   + Query(("container", container), ("tailLines", tailLines?.ToString(CultureInfo.InvariantCulture)));
        using var cts = Bounded(cancellationToken);
        using var response = await _http.GetAsync(path.TrimStart('/'), cts.Token);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, HttpMethod.Get, cts.Token);
        return await response.Content.ReadAsStringAsync(cts.Token);
    }

    internal async Task<ResourceMapping> MapAsync(ResourceKind kind, CancellationToken ct) =>
        await _discovery.FindAsync(kind, ct)
        ?? throw new ClusterApiException(404, "NotFound", $"the server at {_context.Server} does not serve kind {kind.Kind} in {kind.ApiVersion}");

    private static string CollectionAllNamespaces(ResourceMapping m) => (m with { Namespaced = false }).CollectionPath(null);

    private async Task<JsonObject?> GetJsonOrNullAsync(string path, CancellationToken ct)
    {
        try { return await SendAsync(HttpMethod.Get, path, null, null, ct); }
        catch (ClusterApiException e) when (e.Code == 404) { return null; }
    }

    private TimeoutSource Bounded(CancellationToken ct) => new(_time, _options.RequestTimeout, ct);

    private async Task<JsonObject?> SendAsync(HttpMethod method, string path, HttpContent? content, string? accept, CancellationToken ct)
    {
        using var cts = Bounded(ct);
        using var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = content };
        request.Headers.Accept.ParseAdd(accept ?? "application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cts.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ClusterApiException(504, "Timeout", $"{method} {_http.BaseAddress}{path.TrimStart('/')}: no answer within {_options.RequestTimeout}",
                new Uri(_http.BaseAddress!, path.TrimStart('/')));
        }
        catch (HttpRequestException e)
        {
            throw new ClusterApiException($"{method} {_http.BaseAddress}{path.TrimStart('/')}: {e.Message}", e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, method, cts.Token);
            var text = await response.Content.ReadAsStringAsync(cts.Token);
            return text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject;
        }
    }

    internal static async Task<ClusterApiException> ErrorAsync(HttpResponseMessage response, HttpMethod method, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        var uri = response.RequestMessage?.RequestUri;
        try
        {
            if (JsonNode.Parse(text) is JsonObject { } status && status["kind"]?.GetValue<string>() == "Status")
                return FromStatus(status, method, uri, (int)response.StatusCode);
        }
        catch (JsonException)
        {
            // Not a Status: fall through to the raw text.
        }
        return new ClusterApiException((int)response.StatusCode, response.StatusCode.ToString(),
            $"{method} {uri}: HTTP {(int)response.StatusCode} {Truncate(text)}", uri);
    }

    internal static ClusterApiException FromStatus(JsonObject status, HttpMethod method, Uri? uri, int fallbackCode)
    {
        var code = status["code"] is { } c ? int.Parse(c.ToString(), CultureInfo.InvariantCulture) : fallbackCode;
        var reason = status["reason"]?.GetValue<string>();
        var message = status["message"]?.GetValue<string>() ?? "(no message)";
        return new ClusterApiException(code, reason, $"{method} {uri}: {message} (reason {reason ?? "unknown"}, code {code})", uri);
    }

    private static string Truncate(string s) => s.Length > 300 ? s[..300] + "…" : s;

    internal static string Query(params (string Key, string? Value)[] pairs)
    {
        var parts = pairs.Where(p => p.Value is not null).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    private static ResourceKind KindOf(JsonObject obj) => new(
        obj["apiVersion"]?.GetValue<string>() ?? throw new ClusterApiException("object has no apiVersion"),
        obj["kind"]?.GetValue<string>() ?? throw new ClusterApiException("object has no kind"));

    private static JsonObject Stamp(JsonObject obj, ResourceKind kind)
    {
        obj["apiVersion"] ??= kind.ApiVersion;
        obj["kind"] ??= kind.Kind;
        return obj;
    }

    public void Dispose()
    {
        _http.Dispose();
        _discovery.Dispose();
    }
}
