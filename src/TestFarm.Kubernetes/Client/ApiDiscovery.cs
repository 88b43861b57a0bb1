using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;

namespace TestFarm.Kubernetes.Client;

/// <summary>Where a kind is served: its plural resource name and whether it lives in namespaces.</summary>
public sealed record ResourceMapping(string ApiVersion, string Kind, string Plural, bool Namespaced)
{
    public string CollectionPath(string? ns)
    {
        var prefix = ApiVersion.Contains('/', StringComparison.Ordinal) ? "/apis/" + ApiVersion : "/api/" + ApiVersion;
        return Namespaced ? $"{prefix}/namespaces/{Uri.EscapeDataString(ns ?? "default")}/{Plural}" : $"{prefix}/{Plural}";
    }

    public string ItemPath(string name, string? ns) => $"{CollectionPath(ns)}/{Uri.EscapeDataString(name)}";
}

/// <summary>Kind-to-resource map from /api, /apis and each group-version's resource list.</summary>
public interface IClusterDiscovery
{
    /// <summary>The mapping of a kind; null when the server does not serve it (refreshes once before saying so).</summary>
    Task<ResourceMapping?> FindAsync(ResourceKind kind, CancellationToken cancellationToken = default);

    /// <summary>Forgets the cached map (after CRDs were added).</summary>
    void Invalidate();
}

internal sealed class ApiDiscovery : IClusterDiscovery, IDisposable
{
    private readonly Func<string, CancellationToken, Task<JsonObject?>> _get;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Dictionary<(string, string), ResourceMapping>? _map;

    public ApiDiscovery(Func<string, CancellationToken, Task<JsonObject?>> get) => _get = get;

    public void Invalidate() => _map = null;

    public void Dispose() => _gate.Dispose();

    public async Task<ResourceMapping?> FindAsync(ResourceKind kind, CancellationToken cancellationToken = default)
    {
        var map = _map ?? await LoadAsync(cancellationToken);
        if (map.TryGetValue((kind.ApiVersion, kind.Kind), out var found)) return found;
        Invalidate();
        map = await LoadAsync(cancellationToken);
        return map.GetValueOrDefault((kind.ApiVersion, kind.Kind));
    }

    private async Task<Dictionary<(string, string), ResourceMapping>> LoadAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_map is not null) return _map;
            var map = new Dictionary<(string, string), ResourceMapping>();
            var versions = new List<string>();
            foreach (var v in (await _get("/api", ct))?["versions"]?.AsArray() ?? []) versions.Add(v!.GetValue<string>());
            foreach (var g in (await _get("/apis", ct))?["groups"]?.AsArray() ?? [])
            {
                foreach (var v in g?["versions"]?.AsArray() ?? []) versions.Add(v!["groupVersion"]!.GetValue<string>());
            }
            foreach (var gv in versions)
            {
                var path = gv.Contains('/', StringComparison.Ordinal) ? "/apis/" + gv : "/api/" + gv;
                foreach (var r in (await _get(path, ct))?["resources"]?.AsArray() ?? [])
                {
                    var name = r!["name"]!.GetValue<string>();
                    if (name.Contains('/', StringComparison.Ordinal)) continue;
                    var kind = r["kind"]!.GetValue<string>();
                    map[(gv, kind)] = new ResourceMapping(gv, kind, name, r["namespaced"]?.GetValue<bool>() ?? false);
                }
            }
            return _map = map;
        }
        finally
        {
            _gate.Release();
        }
    }
}
