using k8s;
using k8s.Autorest;
using TestFarm.Core.Cluster;

namespace TestFarm.Kubernetes.Client;

/// <summary>Where a kind is served: its group, version, plural resource name and whether it lives in namespaces.</summary>
public sealed record ResourceMapping(string ApiVersion, string Kind, string Plural, bool Namespaced)
{
    /// <summary>The API group ("" for the core group).</summary>
    public string Group => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[..ApiVersion.IndexOf('/', StringComparison.Ordinal)] : "";

    public string Version => ApiVersion[(ApiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..];
}

/// <summary>Kind-to-resource map from the server's discovery documents.</summary>
public interface IClusterDiscovery
{
    /// <summary>The mapping of a kind; null when the server does not serve it (refreshes once before saying so).</summary>
    Task<ResourceMapping?> FindAsync(ResourceKind kind, CancellationToken cancellationToken = default);

    /// <summary>Forgets the cached map (after CRDs were added).</summary>
    void Invalidate();
}

/// <summary>Discovery through KubernetesClient's core, group-list and per-group-version resource calls, cached.</summary>
internal sealed class ApiDiscovery(IKubernetes kubernetes) : IClusterDiscovery, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Dictionary<(string, string), ResourceMapping>? _map;

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
            Add(map, await kubernetes.CoreV1.GetAPIResourcesAsync(ct));
            var groups = await kubernetes.Apis.GetAPIVersionsAsync(ct);
            foreach (var group in groups.Groups ?? [])
            {
                foreach (var version in group.Versions ?? [])
                {
                    try
                    {
                        Add(map, await kubernetes.CustomObjects.GetAPIResourcesAsync(group.Name, version.Version, ct));
                    }
                    catch (HttpOperationException e) when ((int)e.Response.StatusCode == 404)
                    {
                        // A group-version listed but not (yet) served: skip it.
                    }
                }
            }
            return _map = map;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void Add(Dictionary<(string, string), ResourceMapping> map, k8s.Models.V1APIResourceList list)
    {
        foreach (var r in list.Resources ?? [])
        {
            if (r.Name.Contains('/', StringComparison.Ordinal)) continue;
            map[(list.GroupVersion, r.Kind)] = new ResourceMapping(list.GroupVersion, r.Kind, r.Name, r.Namespaced);
        }
    }
}
