using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>
/// Deployments, DaemonSets (one pod per matching node) and StatefulSets get pods; missing pods are
/// recreated; pods become Ready a delay after creation while their node is Ready; workload status follows.
/// </summary>
public sealed class WorkloadController
{
    private readonly ResourceCatalog _catalog;
    private readonly ObjectStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _podReadyDelay;
    private readonly Dictionary<string, DateTimeOffset> _podBorn = [];
    private int _serial;

    public WorkloadController(ResourceCatalog catalog, ObjectStore store, TimeProvider time, TimeSpan podReadyDelay)
    {
        _catalog = catalog;
        _store = store;
        _time = time;
        _podReadyDelay = podReadyDelay;
    }

    private ResourceType Pods => _catalog.Find("", "v1", "pods")!;

    public void Reconcile()
    {
        var nodes = _store.List(_catalog.Find("", "v1", "nodes")!, null);
        var readyNodes = nodes.Where(NodeController.IsReady).ToList();
        foreach (var pod in _store.List(Pods, null)) UpdatePodReadiness(Schedule(pod, readyNodes), readyNodes, nodes);
        var byOwner = _store.List(Pods, null).ToLookup(p => OwnerUid(p) ?? "", StringComparer.Ordinal);
        foreach (var kind in new[] { "deployments", "daemonsets", "statefulsets" })
        {
            var type = _catalog.Find("apps", "v1", kind)!;
            foreach (var workload in _store.List(type, null)) ReconcileWorkload(type, workload, nodes, readyNodes, byOwner);
        }
    }

    private void ReconcileWorkload(ResourceType type, JsonObject workload, IReadOnlyList<JsonObject> nodes, IReadOnlyList<JsonObject> readyNodes,
        ILookup<string, JsonObject> podsByOwner)
    {
        var ns = workload["metadata"]!["namespace"]!.GetValue<string>();
        var name = workload["metadata"]!["name"]!.GetValue<string>();
        var uid = workload["metadata"]!["uid"]!.GetValue<string>();
        var template = workload["spec"]?["template"] as JsonObject ?? new JsonObject();
        var nodeSelector = template["spec"]?["nodeSelector"] as JsonObject;
        var owned = podsByOwner[uid].ToList();

        if (type.Kind == "DaemonSet")
        {
            var targets = nodes.Where(n => Selectors.Matches(nodeSelector, Selectors.LabelsOf(n))).Select(NameOf).ToList();
            foreach (var node in targets.Where(n => owned.All(p => p["spec"]?["nodeName"]?.GetValue<string>() != n)))
                owned.Add(CreatePod(workload, type, template, $"{name}-{Suffix()}", node));
            foreach (var extra in owned.Where(p => !targets.Contains(p["spec"]?["nodeName"]?.GetValue<string>() ?? "")).ToList())
            {
                _store.Delete(Pods, ns, NameOf(extra));
                owned.Remove(extra);
            }
            var ready = owned.Count(IsPodReady);
            SetStatus(type, workload, new JsonObject
            {
                ["observedGeneration"] = workload["metadata"]!["generation"]!.DeepClone(),
                ["desiredNumberScheduled"] = targets.Count,
                ["currentNumberScheduled"] = owned.Count,
                ["updatedNumberScheduled"] = owned.Count,
                ["numberReady"] = ready,
                ["numberAvailable"] = ready,
                ["numberUnavailable"] = targets.Count - ready,
                ["numberMisscheduled"] = 0,
            });
            return;
        }

        var desired = Admission.Int(workload["spec"]?["replicas"], 1);
        var candidates = readyNodes.Where(n => Selectors.Matches(nodeSelector, Selectors.LabelsOf(n))).Select(NameOf).ToList();
        if (type.Kind == "StatefulSet")
        {
            for (var i = 0; i < desired; i++)
            {
                var podName = $"{name}-{i}";
                if (owned.All(p => NameOf(p) != podName))
                    owned.Add(CreatePod(workload, type, template, podName, candidates.Count > 0 ? candidates[i % candidates.Count] : null));
            }
            foreach (var extra in owned.Where(p => !Enumerable.Range(0, desired).Any(i => NameOf(p) == $"{name}-{i}")).ToList())
            {
                _store.Delete(Pods, ns, NameOf(extra));
                owned.Remove(extra);
            }
        }
        else
        {
            var hash = uid.Replace("-", "", StringComparison.Ordinal)[..10];
            while (owned.Count < desired)
                owned.Add(CreatePod(workload, type, template, $"{name}-{hash}-{Suffix()}", candidates.Count > 0 ? candidates[owned.Count % candidates.Count] : null));
            foreach (var extra in owned.Skip(desired).ToList())
            {
                _store.Delete(Pods, ns, NameOf(extra));
                owned.Remove(extra);
            }
        }
        var readyCount = owned.Count(IsPodReady);
        var status = new JsonObject
        {
            ["observedGeneration"] = workload["metadata"]!["generation"]!.DeepClone(),
            ["replicas"] = owned.Count,
            ["updatedReplicas"] = owned.Count,
            ["readyReplicas"] = readyCount,
            ["availableReplicas"] = readyCount,
        };
        if (type.Kind == "StatefulSet")
        {
            status["currentReplicas"] = owned.Count;
            status["currentRevision"] = $"{name}-1";
            status["updateRevision"] = $"{name}-1";
        }
        else
        {
            var available = readyCount >= desired;
            var old = workload["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Available");
            var since = old?["status"]?.GetValue<string>() == (available ? "True" : "False") ? old!["lastTransitionTime"]!.GetValue<string>() : _store.Now;
            var availableCondition = Admission.Condition("Available", available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", since, available ? "True" : "False");
            availableCondition["lastUpdateTime"] = since;
            var progressing = Admission.Condition("Progressing", "NewReplicaSetAvailable", workload["metadata"]!["creationTimestamp"]!.GetValue<string>());
            status["unavailableReplicas"] = Math.Max(0, desired - readyCount);
            status["conditions"] = new JsonArray(availableCondition, progressing);
        }
        SetStatus(type, workload, status);
    }

    private void SetStatus(ResourceType type, JsonObject workload, JsonObject status)
    {
        if (JsonNode.DeepEquals(workload["status"], status)) return;
        workload["status"] = status;
        _store.Put(type, workload);
    }

    private JsonObject CreatePod(JsonObject workload, ResourceType type, JsonObject template, string name, string? node)
    {
        var meta = workload["metadata"]!;
        while (_store.Get(Pods, meta["namespace"]!.GetValue<string>(), name) is not null) name += "x";
        var spec = (template["spec"]?.DeepClone() as JsonObject) ?? new JsonObject();
        if (node is not null) spec["nodeName"] = node;
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = meta["namespace"]!.DeepClone(),
                ["labels"] = template["metadata"]?["labels"]?.DeepClone() ?? new JsonObject(),
                ["annotations"] = new JsonObject { [NodeController.SimulatedAnnotation] = "true" },
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = type.GroupVersion, ["kind"] = type.Kind, ["name"] = meta["name"]!.DeepClone(),
                    ["uid"] = meta["uid"]!.DeepClone(), ["controller"] = true, ["blockOwnerDeletion"] = true,
                }),
            },
            ["spec"] = spec,
            ["status"] = new JsonObject { ["phase"] = "Pending" },
        };
        var stored = _store.Put(Pods, pod);
        _podBorn[stored["metadata"]!["uid"]!.GetValue<string>()] = _time.GetUtcNow();
        return stored;
    }

    /// <summary>The scheduler keeps a pod whose PersistentVolumeClaims are not all Bound unscheduled.</summary>
    private bool ClaimsBound(JsonObject pod)
    {
        var ns = pod["metadata"]!["namespace"]!.GetValue<string>();
        var claims = _catalog.Find("", "v1", "persistentvolumeclaims")!;
        return (pod["spec"]?["volumes"]?.AsArray() ?? []).Select(v => v?["persistentVolumeClaim"]?["claimName"]?.GetValue<string>()).OfType<string>()
            .All(c => _store.Get(claims, ns, c)?["status"]?["phase"]?.GetValue<string>() == "Bound");
    }

    /// <summary>
    /// The scheduler's part for pods no controller placed (a bare pod): bind it to a Ready node whose labels
    /// match its nodeSelector, the same node for the same pod name. A pod no node fits stays Pending.
    /// </summary>
    private JsonObject Schedule(JsonObject pod, IReadOnlyList<JsonObject> readyNodes)
    {
        if (pod["spec"] is not JsonObject spec || spec["nodeName"] is not null || !ClaimsBound(pod)) return pod;
        var nodeSelector = spec["nodeSelector"] as JsonObject;
        var fits = readyNodes.Where(n => Selectors.Matches(nodeSelector, Selectors.LabelsOf(n))).Select(NameOf).Order(StringComparer.Ordinal).ToList();
        if (fits.Count == 0) return pod;
        var bound = (JsonObject)pod.DeepClone();
        bound["spec"]!["nodeName"] = fits[(int)((uint)StringComparer.Ordinal.GetHashCode(NameOf(pod)) % (uint)fits.Count)];
        return _store.Put(Pods, bound);
    }

    private void UpdatePodReadiness(JsonObject pod, IReadOnlyList<JsonObject> readyNodes, IReadOnlyList<JsonObject> nodes)
    {
        var uid = pod["metadata"]!["uid"]!.GetValue<string>();
        if (!_podBorn.TryGetValue(uid, out var born)) _podBorn[uid] = born = _time.GetUtcNow();
        var nodeName = pod["spec"]?["nodeName"]?.GetValue<string>();
        var nodeReady = nodeName is not null && readyNodes.Any(n => NameOf(n) == nodeName);
        var ready = nodeReady && _time.GetUtcNow() - born >= _podReadyDelay;
        var currentPhase = pod["status"]?["phase"]?.GetValue<string>();
        var phase = ready || (nodeName is not null && currentPhase == "Running") ? "Running" : "Pending";
        if (pod["status"]?["conditions"] is not null && IsPodReady(pod) == ready && currentPhase == phase) return;
        var readyText = ready ? "True" : "False";
        var now = _store.Now;
        var node = nodes.FirstOrDefault(n => NameOf(n) == nodeName);
        var hostIp = node is null ? null : NodeController.InternalIp(node);
        var podIp = node is null ? null : pod["spec"]?["hostNetwork"]?.GetValue<bool>() == true ? hostIp : PodIp(node, uid);
        var previous = (pod["status"]?["containerStatuses"]?.AsArray() ?? []).OfType<JsonObject>()
            .GroupBy(c => c["name"]?.GetValue<string>() ?? "", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var containers = (pod["spec"]?["containers"]?.AsArray() ?? []).Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c?["name"]?.DeepClone(),
            ["image"] = c?["image"]?.DeepClone(),
            ["ready"] = ready,
            ["started"] = ready,
            ["restartCount"] = previous.GetValueOrDefault(c?["name"]?.GetValue<string>() ?? "")?["restartCount"]?.DeepClone() ?? 0,
            ["lastState"] = previous.GetValueOrDefault(c?["name"]?.GetValue<string>() ?? "")?["lastState"]?.DeepClone() ?? new JsonObject(),
            ["state"] = ready ? new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } }
                              : new JsonObject { ["waiting"] = new JsonObject { ["reason"] = nodeReady ? "ContainerCreating" : "NodeNotReady" } },
        }).ToArray();
        pod["status"] = new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = new JsonArray(
                Admission.Condition("PodScheduled", "Scheduled", now, nodeName is null ? "False" : "True"),
                Admission.Condition("ContainersReady", ready ? "ContainersReady" : "ContainersNotReady", now, readyText),
                Admission.Condition("Ready", ready ? "PodReady" : "ContainersNotReady", now, readyText)),
            ["containerStatuses"] = new JsonArray(containers),
            ["hostIP"] = hostIp,
            ["podIP"] = podIp,
            ["startTime"] = pod["metadata"]!["creationTimestamp"]!.DeepClone(),
        };
        _store.Put(Pods, pod);
    }

    /// <summary>
    /// The kubelet's part when a node's containers are killed (<c>crictl stop</c>): each container of each Running pod on the
    /// node (of one namespace, when given) is restarted: its restartCount goes up, its last state is the kill (exit 137),
    /// and the pod is not Ready until the containers have started again (the pod-ready delay). Returns how many.
    /// </summary>
    public int RestartContainers(string node, string? ns)
    {
        var killed = 0;
        var now = _store.Now;
        foreach (var pod in _store.List(Pods, ns).Where(p => p["spec"]?["nodeName"]?.GetValue<string>() == node
                     && p["status"]?["phase"]?.GetValue<string>() == "Running"))
        {
            var statuses = pod["status"]?["containerStatuses"] as JsonArray;
            if (statuses is null || statuses.Count == 0) continue;
            foreach (var c in statuses.OfType<JsonObject>())
            {
                c["restartCount"] = (c["restartCount"]?.GetValue<int>() ?? 0) + 1;
                c["ready"] = false;
                c["started"] = false;
                c["lastState"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 137, ["reason"] = "Error", ["finishedAt"] = now } };
                c["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } };
                killed++;
            }
            pod["status"]!["conditions"] = new JsonArray(
                Admission.Condition("PodScheduled", "Scheduled", now, "True"),
                Admission.Condition("ContainersReady", "ContainersNotReady", now, "False"),
                Admission.Condition("Ready", "ContainersNotReady", now, "False"));
            _podBorn[pod["metadata"]!["uid"]!.GetValue<string>()] = _time.GetUtcNow();
            _store.Put(Pods, pod);
        }
        return killed;
    }

    /// <summary>An address in the node's podCIDR (a /24), chosen from the pod's uid.</summary>
    private static string? PodIp(JsonObject node, string uid)
    {
        var cidr = node["spec"]?["podCIDR"]?.GetValue<string>();
        if (cidr is null) return null;
        var prefix = cidr[..cidr.LastIndexOf('.')];
        return $"{prefix}.{((uint)StringComparer.Ordinal.GetHashCode(uid) % 250) + 2}";
    }

    public static bool IsPodReady(JsonObject pod) =>
        pod["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") == true;

    private static string? OwnerUid(JsonObject pod) =>
        pod["metadata"]?["ownerReferences"]?.AsArray().FirstOrDefault(r => r?["controller"]?.GetValue<bool>() == true)?["uid"]?.GetValue<string>();

    private static string NameOf(JsonObject o) => o["metadata"]!["name"]!.GetValue<string>();

    private string Suffix()
    {
        const string chars = "bcdfghjklmnpqrstvwxz2456789";
        var n = Interlocked.Increment(ref _serial) * 7919 + Random.Shared.Next(1000);
        return new string(Enumerable.Range(0, 5).Select(i => chars[(n / (int)Math.Pow(chars.Length, i) + i) % chars.Length]).ToArray());
    }
}
