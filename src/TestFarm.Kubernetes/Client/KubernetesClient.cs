using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Cluster;
using TestFarm.Core.Time;
using TestFarm.Kubernetes.Kubeconfig;
using K8sApi = k8s.Kubernetes;

namespace TestFarm.Kubernetes.Client;

/// <summary>
/// The farm's Kubernetes port over the official KubernetesClient: get/list/server-side apply/delete of any
/// served kind (<see cref="IClusterApi"/>) through the generic custom-object operations, discovery, watch and
/// pod logs. Errors throw <see cref="ClusterApiException"/> carrying the server's Status.
/// </summary>
public sealed partial class KubernetesClient : IClusterApi, IClusterWatch, IPodLogs, IClusterDelete, IClusterListing, IDisposable
{
    private readonly K8sApi _api;
    private readonly KubernetesClientConfiguration _config;
    private readonly KubernetesClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ApiDiscovery _discovery;

    public KubernetesClient(KubernetesClientConfiguration config, KubernetesClientOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _options = options ?? new KubernetesClientOptions();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        // Each call is bounded by RequestTimeout on the injected clock; watches stay open.
        config.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        config.UserAgent = "testfarm/1.0";
        _api = new K8sApi(config);
        _discovery = new ApiDiscovery(_api);
    }

    /// <summary>A client for a kubeconfig file's current (or named) context.</summary>
    public static KubernetesClient FromKubeconfigFile(string path, string? contextName = null, KubernetesClientOptions? options = null,
        TimeProvider? time = null, ILogger? logger = null) =>
        new(KubeconfigLoader.Load(path, contextName), options, time, logger);

    public IClusterDiscovery Discovery => _discovery;

    /// <summary>The library client underneath, for typed calls.</summary>
    public IKubernetes Api => _api;

    public async Task<JsonObject?> GetAsync(ResourceRef resource, CancellationToken cancellationToken = default)
    {
        var m = await MapAsync(resource.Kind, cancellationToken);
        try
        {
            var obj = await CallAsync(ct => m.Namespaced
                ? _api.CustomObjects.GetNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(m.Group, m.Version, Ns(resource.Namespace), m.Plural, resource.Name, cancellationToken: ct)
                : _api.CustomObjects.GetClusterCustomObjectWithHttpMessagesAsync<JsonObject>(m.Group, m.Version, m.Plural, resource.Name, cancellationToken: ct), cancellationToken);
            return Stamp(obj, resource.Kind);
        }
        catch (ClusterApiException e) when (e.Code == 404)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<JsonObject>> ListAsync(ResourceKind kind, string? ns = null, string? labelSelector = null,
        CancellationToken cancellationToken = default) =>
        (await ListWithVersionAsync(kind, ns, labelSelector, null, cancellationToken)).Items;

    public async Task<ResourceList> ListWithVersionAsync(ResourceKind kind, string? ns = null, string? labelSelector = null,
        string? fieldSelector = null, CancellationToken cancellationToken = default)
    {
        var m = await MapAsync(kind, cancellationToken);
        var list = await CallAsync(ct => m.Namespaced && ns is not null
            ? _api.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(m.Group, m.Version, ns, m.Plural,
                fieldSelector: fieldSelector, labelSelector: labelSelector, cancellationToken: ct)
            : _api.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<JsonObject>(m.Group, m.Version, m.Plural,
                fieldSelector: fieldSelector, labelSelector: labelSelector, cancellationToken: ct), cancellationToken);
        var items = (list["items"]?.AsArray() ?? []).OfType<JsonObject>().Select(i => Stamp((JsonObject)i.DeepClone(), kind)).ToList();
        return new ResourceList(items, list["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "");
    }

    public async Task<JsonObject> ApplyAsync(JsonObject obj, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var kind = KindOf(obj);
        var name = obj["metadata"]?["name"]?.GetValue<string>()
                   ?? throw new ClusterApiException($"cannot apply {kind.Kind}: metadata.name is missing");
        var m = await MapAsync(kind, cancellationToken);
        var ns = m.Namespaced ? obj["metadata"]?["namespace"]?.GetValue<string>() ?? Ns(null) : null;
        var patch = new V1Patch(obj.ToJsonString(), V1Patch.PatchType.ApplyPatch);
        var stored = await CallAsync(ct => ns is not null
            ? _api.CustomObjects.PatchNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(patch, m.Group, m.Version, ns, m.Plural, name,
                fieldManager: _options.FieldManager, force: false, cancellationToken: ct)
            : _api.CustomObjects.PatchClusterCustomObjectWithHttpMessagesAsync<JsonObject>(patch, m.Group, m.Version, m.Plural, name,
                fieldManager: _options.FieldManager, force: false, cancellationToken: ct), cancellationToken);
        Log.Applied(_logger, kind.Kind, ns ?? "", name);
        return stored;
    }

    public Task<bool> DeleteAsync(ResourceRef resource, CancellationToken cancellationToken = default) =>
        DeleteAsync(resource, "Background", cancellationToken);

    public async Task<bool> DeleteAsync(ResourceRef resource, string propagationPolicy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var m = await MapAsync(resource.Kind, cancellationToken);
        var options = new V1DeleteOptions { PropagationPolicy = propagationPolicy };
        try
        {
            await CallAsync(ct => m.Namespaced
                ? _api.CustomObjects.DeleteNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(m.Group, m.Version, Ns(resource.Namespace), m.Plural,
                    resource.Name, options, cancellationToken: ct)
                : _api.CustomObjects.DeleteClusterCustomObjectWithHttpMessagesAsync<JsonObject>(m.Group, m.Version, m.Plural, resource.Name,
                    options, cancellationToken: ct), cancellationToken);
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
        using var cts = Bounded(cancellationToken);
        try
        {
            using var response = await _api.CoreV1.ReadNamespacedPodLogWithHttpMessagesAsync(pod, ns, container: container,
                tailLines: tailLines, cancellationToken: cts.Token);
            using var reader = new StreamReader(response.Body);
            return await reader.ReadToEndAsync(cts.Token);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw Translate(e, $"logs of pod {ns}/{pod}");
        }
    }

    internal async Task<ResourceMapping> MapAsync(ResourceKind kind, CancellationToken ct)
    {
        try
        {
            using var cts = Bounded(ct);
            return await _discovery.FindAsync(kind, cts.Token)
                   ?? throw new ClusterApiException(404, "NotFound", $"the server at {_config.Host} does not serve kind {kind.Kind} in {kind.ApiVersion}");
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw Translate(e, "discovery");
        }
    }

    private string Ns(string? ns) => ns ?? _config.Namespace ?? "default";

    private TimeoutSource Bounded(CancellationToken ct) => new(_time, _options.RequestTimeout, ct);

    /// <summary>Runs one bounded call and turns the library's failures into <see cref="ClusterApiException"/>.</summary>
    private async Task<T> CallAsync<T>(Func<CancellationToken, Task<HttpOperationResponse<T>>> call, CancellationToken ct)
    {
        using var cts = Bounded(ct);
        try
        {
            using var response = await call(cts.Token);
            return response.Body;
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw Translate(e, null);
        }
    }

    private ClusterApiException Translate(Exception e, string? what)
    {
        switch (e)
        {
            case HttpOperationException http:
                var uri = http.Request?.RequestUri;
                var method = http.Request?.Method.Method ?? "?";
                var code = (int)http.Response.StatusCode;
                var text = http.Response.Content ?? "";
                try
                {
                    if (JsonNode.Parse(text) is JsonObject { } status && status["kind"]?.GetValue<string>() == "Status")
                        return FromStatus(status, method, uri, code);
                }
                catch (JsonException)
                {
                    // Not a Status: fall through to the raw text.
                }
                return new ClusterApiException(code, http.Response.StatusCode.ToString(),
                    $"{method} {uri}: HTTP {code} {Truncate(text)}", uri);
            case OperationCanceledException:
                return new ClusterApiException(504, "Timeout", $"{what ?? "request"} to {_config.Host}: no answer within {_options.RequestTimeout}");
            default:
                return new ClusterApiException($"{what ?? "request"} to {_config.Host}: {e.Message}", e);
        }
    }

    internal static ClusterApiException FromStatus(JsonObject status, string method, Uri? uri, int fallbackCode)
    {
        var code = status["code"] is JsonValue c && c.TryGetValue<int>(out var n) ? n : fallbackCode;
        var reason = status["reason"]?.GetValue<string>();
        var message = status["message"]?.GetValue<string>() ?? "(no message)";
        return new ClusterApiException(code, reason, $"{method} {uri}: {message} (reason {reason ?? "unknown"}, code {code})", uri);
    }

    private static string Truncate(string s) => s.Length > 300 ? s[..300] + "…" : s;

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
        _api.Dispose();
        _discovery.Dispose();
    }
}
