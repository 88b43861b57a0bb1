using System.Text.Json.Nodes;
using TestFarm.Scenarios.Engine;

namespace TestFarm.Scenarios.Chaos;

/// <summary>
/// Which workload a pod belongs to, from its controller reference: a StatefulSet or DaemonSet directly; a Deployment
/// through its ReplicaSet (named <c>&lt;deployment&gt;-&lt;pod-template-hash&gt;</c>) or directly (the lab's simulation).
/// </summary>
internal static class PodOwners
{
    /// <summary>Does the pod belong to a workload of <paramref name="kind"/> (any, when null) named <paramref name="name"/> (any, when null)?</summary>
    public static bool Matches(JsonObject pod, string? kind, string? name)
    {
        if (kind is null) return true;
        return Owner(pod) is { } owner && string.Equals(owner.Kind, kind, StringComparison.OrdinalIgnoreCase) && (name is null || owner.Name == name);
    }

    private static (string Kind, string Name)? Owner(JsonObject pod)
    {
        var reference = pod.Items("metadata", "ownerReferences").FirstOrDefault(o => o["controller"]?.GetValue<bool>() == true)
                        ?? pod.Items("metadata", "ownerReferences").FirstOrDefault();
        if (reference?.Str("kind") is not { } kind || reference.Str("name") is not { } name) return null;
        if (kind != "ReplicaSet") return (kind, name);
        var hash = pod.Str("metadata", "labels", "pod-template-hash");
        return hash is not null && name.EndsWith("-" + hash, StringComparison.Ordinal) ? ("Deployment", name[..^(hash.Length + 1)]) : (kind, name);
    }
}
