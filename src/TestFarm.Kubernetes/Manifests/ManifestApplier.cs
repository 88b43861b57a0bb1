using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Cluster;
using TestFarm.Kubernetes.Client;

namespace TestFarm.Kubernetes.Manifests;

/// <summary>Settings of a manifest apply.</summary>
public sealed record ManifestApplyOptions
{
    /// <summary>How long to wait for each CRD to be Established. Default 60s.</summary>
    public TimeSpan CrdEstablishedTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Poll interval while waiting. Default 250ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>
/// Applies manifests in dependency order: Namespaces, then CRDs (waiting until each is Established),
/// then everything else in file order. Kinds the server does not serve are refused before any of the
/// rest is applied, with document index and line.
/// </summary>
public sealed class ManifestApplier
{
    private readonly IClusterApi _api;
    private readonly IClusterDiscovery _discovery;
    private readonly TimeProvider _time;
    private readonly ManifestApplyOptions _options;
    private readonly ILogger _logger;

    public ManifestApplier(IClusterApi api, IClusterDiscovery discovery, TimeProvider time, ManifestApplyOptions? options = null, ILogger? logger = null)
    {
        _api = api;
        _discovery = discovery;
        _time = time;
        _options = options ?? new ManifestApplyOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    public async Task<IReadOnlyList<JsonObject>> ApplyFilesAsync(IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        var documents = paths.SelectMany(ManifestReader.ReadFile).ToList();
        return await ApplyAsync(documents, cancellationToken);
    }

    public async Task<IReadOnlyList<JsonObject>> ApplyAsync(IReadOnlyList<ManifestDocument> documents, CancellationToken cancellationToken = default)
    {
        var applied = new List<JsonObject>();
        var namespaces = documents.Where(d => d.ApiVersion == "v1" && d.Kind == "Namespace").ToList();
        var crds = documents.Where(d => d.Kind == "CustomResourceDefinition" && d.ApiVersion.StartsWith("apiextensions.k8s.io/", StringComparison.Ordinal)).ToList();
        foreach (var d in namespaces.Concat(crds)) applied.Add(await ApplyOneAsync(d, cancellationToken));
        foreach (var crd in crds) await WaitEstablishedAsync(crd, cancellationToken);
        if (crds.Count > 0) _discovery.Invalidate();

        var rest = documents.Except(namespaces).Except(crds).ToList();
        var unknown = new List<ManifestError>();
        foreach (var d in rest)
        {
            if (await _discovery.FindAsync(new ResourceKind(d.ApiVersion, d.Kind), cancellationToken) is null)
            {
                unknown.Add(new ManifestError(d.Source, d.Index, d.Line,
                    $"unknown kind {d.Kind} in {d.ApiVersion}: the server does not serve it and no CustomResourceDefinition applied with it defines it"));
            }
        }
        if (unknown.Count > 0) throw new ManifestException(unknown);
        foreach (var d in rest) applied.Add(await ApplyOneAsync(d, cancellationToken));
        var sources = string.Join(", ", documents.Select(d => d.Source).Distinct());
        Log.ManifestApplied(_logger, applied.Count, sources);
        return applied;
    }

    private async Task<JsonObject> ApplyOneAsync(ManifestDocument d, CancellationToken ct)
    {
        try
        {
            return await _api.ApplyAsync((JsonObject)d.Object.DeepClone(), ct);
        }
        catch (ClusterApiException e)
        {
            throw new ClusterApiException(e.Code, e.Reason, $"{d.Where}: {d.Kind} {d.Name}: {e.Message}", e.Uri);
        }
    }

    private async Task WaitEstablishedAsync(ManifestDocument crd, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + _options.CrdEstablishedTimeout;
        var reference = new ResourceRef(new ResourceKind(crd.ApiVersion, crd.Kind), crd.Name);
        while (true)
        {
            var current = await _api.GetAsync(reference, ct);
            var established = current?["status"]?["conditions"]?.AsArray()
                .Any(c => c?["type"]?.GetValue<string>() == "Established" && c["status"]?.GetValue<string>() == "True") == true;
            if (established) return;
            if (_time.GetUtcNow() >= deadline)
                throw new TimeoutException($"{crd.Where}: CustomResourceDefinition {crd.Name} not Established within {_options.CrdEstablishedTimeout}");
            await Task.Delay(_options.PollInterval, _time, ct);
        }
    }
}
