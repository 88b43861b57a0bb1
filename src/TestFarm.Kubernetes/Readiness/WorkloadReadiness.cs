using System.Globalization;
using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;

namespace TestFarm.Kubernetes.Readiness;

/// <summary>Whether one object is done rolling out / ready, with a short reason.</summary>
public sealed record ReadinessState(bool Ready, string Summary);

/// <summary>Readiness rules of workloads, pods and nodes, read from their status.</summary>
public static class WorkloadReadiness
{
    public static ReadinessState Of(JsonObject obj)
    {
        var kind = obj["kind"]?.GetValue<string>();
        var status = obj["status"];
        var generation = Int(obj["metadata"]?["generation"]);
        var observed = Int(status?["observedGeneration"]);
        switch (kind)
        {
            case "Deployment" or "StatefulSet":
            {
                var desired = obj["spec"]?["replicas"] is { } r ? Int(r) : 1;
                var updated = Int(status?["updatedReplicas"]);
                var ready = Int(status?[kind == "Deployment" ? "availableReplicas" : "readyReplicas"]);
                var done = observed >= generation && updated >= desired && ready >= desired;
                return new ReadinessState(done, $"{kind} {Name(obj)}: {ready}/{desired} ready, {updated} updated, generation {observed}/{generation}");
            }
            case "DaemonSet":
            {
                var desired = Int(status?["desiredNumberScheduled"]);
                var updated = Int(status?["updatedNumberScheduled"]);
                var ready = Int(status?["numberAvailable"]);
                var done = status is not null && observed >= generation && updated >= desired && ready >= desired;
                return new ReadinessState(done, $"DaemonSet {Name(obj)}: {ready}/{desired} available, {updated} updated");
            }
            case "Pod" or "Node":
            {
                var ready = Condition(obj, "Ready") == "True";
                return new ReadinessState(ready, $"{kind} {Name(obj)}: Ready={Condition(obj, "Ready") ?? "unknown"}");
            }
            default:
                return new ReadinessState(true, $"{kind} {Name(obj)}: no readiness rule");
        }
    }

    public static string? Condition(JsonObject obj, string type) =>
        obj["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == type)?["status"]?.GetValue<string>();

    private static int Int(JsonNode? node) => node is null ? 0 : int.Parse(node.ToString(), CultureInfo.InvariantCulture);

    private static string Name(JsonObject o) =>
        (o["metadata"]?["namespace"]?.GetValue<string>() is { } ns ? ns + "/" : "") + o["metadata"]?["name"]?.GetValue<string>();
}

/// <summary>Waits on the cluster by polling (bounded, on the TimeProvider): rollouts, pods, nodes.</summary>
public sealed class ClusterWaiter
{
    private readonly IClusterApi _api;
    private readonly TimeProvider _time;
    private readonly TimeSpan _poll;

    public ClusterWaiter(IClusterApi api, TimeProvider time, TimeSpan? pollInterval = null)
    {
        _api = api;
        _time = time;
        _poll = pollInterval ?? TimeSpan.FromMilliseconds(250);
    }

    /// <summary>Waits until a Deployment, DaemonSet or StatefulSet has rolled out.</summary>
    public Task<ReadinessState> WaitRolloutAsync(ResourceRef workload, TimeSpan timeout, CancellationToken ct = default) =>
        UntilAsync(async () =>
        {
            var obj = await _api.GetAsync(workload, ct);
            return obj is null ? new ReadinessState(false, $"{workload.Kind.Kind} {workload.Namespace}/{workload.Name} not found") : WorkloadReadiness.Of(obj);
        }, timeout, ct);

    /// <summary>Waits until at least <paramref name="expected"/> nodes exist and all of them are Ready.</summary>
    public Task<ReadinessState> WaitNodesReadyAsync(int expected, TimeSpan timeout, CancellationToken ct = default) =>
        UntilAsync(async () =>
        {
            var nodes = await _api.ListAsync(ResourceKind.Node, cancellationToken: ct);
            var ready = nodes.Count(n => WorkloadReadiness.Condition(n, "Ready") == "True");
            return new ReadinessState(nodes.Count >= expected && ready == nodes.Count, $"{ready}/{nodes.Count} nodes Ready (expected {expected})");
        }, timeout, ct);

    /// <summary>Waits until every pod in the namespace (at least one) is Ready.</summary>
    public Task<ReadinessState> WaitPodsReadyAsync(string ns, TimeSpan timeout, CancellationToken ct = default) =>
        UntilAsync(async () =>
        {
            var pods = await _api.ListAsync(ResourceKind.Pod, ns, cancellationToken: ct);
            var notReady = pods.Where(p => !WorkloadReadiness.Of(p).Ready).Select(p => p["metadata"]!["name"]!.GetValue<string>()).ToList();
            return new ReadinessState(pods.Count > 0 && notReady.Count == 0,
                $"{pods.Count - notReady.Count}/{pods.Count} pods Ready in {ns}" + (notReady.Count > 0 ? " (waiting: " + string.Join(", ", notReady.Take(5)) + ")" : ""));
        }, timeout, ct);

    /// <summary>Polls <paramref name="check"/> until ready; throws <see cref="TimeoutException"/> with the last summary.</summary>
    public async Task<ReadinessState> UntilAsync(Func<Task<ReadinessState>> check, TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = _time.GetUtcNow() + timeout;
        while (true)
        {
            var state = await check();
            if (state.Ready) return state;
            if (_time.GetUtcNow() >= deadline) throw new TimeoutException($"not ready after {timeout}: {state.Summary}");
            await Task.Delay(_poll, _time, ct);
        }
    }
}
