using System.Globalization;
using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;

namespace TestFarm.Scenarios.Conformance;

/// <summary>
/// Sonobuoy's quick mode done by the farm itself through the cell's cluster API, where no sonobuoy binary and no e2e
/// image can run (the lab's simulated cluster): the one spec quick mode focuses on, "Pods should be submitted and
/// removed" — a pod is created in a fresh namespace, must be listed by its label, reach Running, and be gone after
/// its deletion. The outcome is written as a Sonobuoy results tarball (<see cref="SonobuoyResultsWriter"/>) that the
/// conformance step imports like a retrieved one. Other modes need the real sonobuoy and are refused.
/// </summary>
public sealed class LabSonobuoyRunner(TimeProvider time) : ISonobuoyRunner
{
    public const string QuickSpec = "[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]";
    public const string Producer = "testfarm-lab";

    /// <summary>How often the pod's state is read. Default 250 ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    public async Task<string> RunAsync(SonobuoyRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Mode != "quick")
            throw new NotSupportedException($"the lab runs Sonobuoy's quick mode only ('{QuickSpec}' through the cluster API); "
                + $"mode {request.Mode} needs the sonobuoy binary against a real cluster");
        var api = request.Cluster ?? throw new InvalidOperationException("the lab's conformance runner needs the cell's cluster API");
        var spec = await PodsSubmittedAndRemovedAsync(api, request.Timeout, cancellationToken).ConfigureAwait(false);
        var nodes = await api.ListAsync(ResourceKind.Node, cancellationToken: cancellationToken).ConfigureAwait(false);
        var uuid = Guid.NewGuid().ToString();
        var finished = time.GetUtcNow();
        var path = Path.Combine(request.ArtifactsDirectory, SonobuoyResultsWriter.FileName(finished, uuid));
        SonobuoyResultsWriter.Write(path, new SonobuoyResultsContent
        {
            Uuid = uuid, Producer = Producer, Mode = request.Mode, Finished = finished, Nodes = nodes, E2e = [spec],
        });
        return path;
    }

    private async Task<SonobuoySpec> PodsSubmittedAndRemovedAsync(IClusterApi api, TimeSpan timeout, CancellationToken ct)
    {
        var start = time.GetUtcNow();
        var deadline = start + timeout;
        var ns = $"pods-{Random.Shared.Next(1000, 10000)}";
        var stamp = start.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var pod = new ResourceRef(ResourceKind.Pod, $"pod-submit-remove-{Guid.NewGuid():N}", ns);
        SonobuoySpec Outcome(string? failure) => new(QuickSpec, failure is null ? "passed" : "failed", time.GetUtcNow() - start, failure);
        try
        {
            await api.ApplyAsync(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } }, ct).ConfigureAwait(false);
            await api.ApplyAsync(PodObject(pod, stamp), ct).ConfigureAwait(false);
            var listed = await api.ListAsync(ResourceKind.Pod, ns, $"time={stamp}", ct).ConfigureAwait(false);
            if (listed.Count != 1) return Outcome($"submitted pod {ns}/{pod.Name}: listing by label time={stamp} found {listed.Count} pods, expected 1");

            string? phase = null;
            while ((phase = (await api.GetAsync(pod, ct).ConfigureAwait(false))?["status"]?["phase"]?.GetValue<string>()) != "Running")
            {
                if (time.GetUtcNow() >= deadline) return Outcome($"pod {ns}/{pod.Name} not Running within {timeout}: phase {phase ?? "none"}");
                await Task.Delay(PollInterval, time, ct).ConfigureAwait(false);
            }

            await api.DeleteAsync(pod, ct).ConfigureAwait(false);
            while (await api.GetAsync(pod, ct).ConfigureAwait(false) is not null
                   || (await api.ListAsync(ResourceKind.Pod, ns, $"time={stamp}", ct).ConfigureAwait(false)).Count > 0)
            {
                if (time.GetUtcNow() >= deadline) return Outcome($"pod {ns}/{pod.Name} still present {timeout} after the test began, after its deletion");
                await Task.Delay(PollInterval, time, ct).ConfigureAwait(false);
            }
            return Outcome(null);
        }
        catch (ClusterApiException ex)
        {
            return Outcome($"the API refused: {ex.Message}");
        }
        finally
        {
            try { await api.DeleteAsync(new ResourceRef(ResourceKind.Namespace, ns), CancellationToken.None).ConfigureAwait(false); }
            catch (ClusterApiException) { /* the namespace was never made; the spec's outcome says why */ }
        }
    }

    private static JsonObject PodObject(ResourceRef pod, string stamp) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject
        {
            ["name"] = pod.Name, ["namespace"] = pod.Namespace,
            ["labels"] = new JsonObject { ["name"] = "foo", ["time"] = stamp },
        },
        ["spec"] = new JsonObject
        {
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = "agnhost-container", ["image"] = "registry.k8s.io/e2e-test-images/agnhost:2.52", ["args"] = new JsonArray("pause"),
            }),
        },
    };
}
