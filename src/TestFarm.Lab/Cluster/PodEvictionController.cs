using System.Globalization;
using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>
/// Taint-based eviction, as the node lifecycle controller does it: a pod on a node tainted
/// <c>node.kubernetes.io/unreachable:NoExecute</c> is deleted once its toleration of that taint has run out (its own
/// <c>tolerationSeconds</c>, else the default tolerance; DaemonSet pods tolerate it for ever). Its controller
/// (Deployment, StatefulSet) then creates a replacement on a Ready node.
/// </summary>
public sealed class PodEvictionController(ResourceCatalog catalog, ObjectStore store, TimeSpan defaultTolerance)
{
    public void Reconcile()
    {
        var now = store.Clock.GetUtcNow();
        var tainted = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var node in store.List(catalog.Find("", "v1", "nodes")!, null))
        {
            var taint = node["spec"]?["taints"]?.AsArray().FirstOrDefault(t =>
                t?["key"]?.GetValue<string>() == NodeController.UnreachableTaint && t["effect"]?.GetValue<string>() == "NoExecute");
            if (taint?["timeAdded"]?.GetValue<string>() is { } added
                && DateTimeOffset.TryParse(added, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since))
                tainted[node["metadata"]!["name"]!.GetValue<string>()] = since;
        }
        if (tainted.Count == 0) return;
        var pods = catalog.Find("", "v1", "pods")!;
        foreach (var pod in store.List(pods, null))
        {
            if (pod["spec"]?["nodeName"]?.GetValue<string>() is not { } node || !tainted.TryGetValue(node, out var since)) continue;
            if (Tolerance(pod) is { } tolerance && now - since >= tolerance)
                store.Delete(pods, pod["metadata"]!["namespace"]!.GetValue<string>(), pod["metadata"]!["name"]!.GetValue<string>());
        }
    }

    /// <summary>How long the pod tolerates an unreachable node; null for ever.</summary>
    private TimeSpan? Tolerance(JsonObject pod)
    {
        if (pod["metadata"]?["ownerReferences"]?.AsArray().Any(o => o?["kind"]?.GetValue<string>() == "DaemonSet") == true) return null;
        foreach (var t in pod["spec"]?["tolerations"]?.AsArray() ?? [])
        {
            var key = t?["key"]?.GetValue<string>();
            var op = t?["operator"]?.GetValue<string>();
            var effect = t?["effect"]?.GetValue<string>();
            var matches = (key == NodeController.UnreachableTaint || (key is null or "" && op == "Exists")) && effect is null or "" or "NoExecute";
            if (!matches) continue;
            return t?["tolerationSeconds"] is JsonValue v && v.TryGetValue<long>(out var seconds) ? TimeSpan.FromSeconds(Math.Max(0, seconds)) : null;
        }
        return defaultTolerance;
    }
}
