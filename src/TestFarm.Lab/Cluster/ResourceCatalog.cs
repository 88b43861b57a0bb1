using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>One served resource: group/version/kind and its plural name in URLs.</summary>
public sealed record ResourceType(string Group, string Version, string Kind, string Plural, bool Namespaced,
    IReadOnlyList<string> ShortNames)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Version-independent key of the stored objects.</summary>
    public string StoreKey => $"{Group}/{Plural}";

    public string ListKind => Kind + "List";
}

/// <summary>The resources the simulated API serves: built-ins plus every established CRD's versions.</summary>
public sealed class ResourceCatalog
{
    private readonly Lock _gate = new();
    private readonly List<ResourceType> _types = [];

    public ResourceCatalog()
    {
        Add("", "v1", "Namespace", "namespaces", false, "ns");
        Add("", "v1", "Node", "nodes", false, "no");
        Add("", "v1", "Pod", "pods", true, "po");
        Add("", "v1", "Service", "services", true, "svc");
        Add("", "v1", "ConfigMap", "configmaps", true, "cm");
        Add("", "v1", "Secret", "secrets", true);
        Add("", "v1", "ServiceAccount", "serviceaccounts", true, "sa");
        Add("", "v1", "Endpoints", "endpoints", true, "ep");
        Add("", "v1", "Event", "events", true, "ev");
        Add("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, "pvc");
        Add("", "v1", "PersistentVolume", "persistentvolumes", false, "pv");
        Add("apps", "v1", "Deployment", "deployments", true, "deploy");
        Add("apps", "v1", "DaemonSet", "daemonsets", true, "ds");
        Add("apps", "v1", "StatefulSet", "statefulsets", true, "sts");
        Add("apps", "v1", "ReplicaSet", "replicasets", true, "rs");
        Add("batch", "v1", "Job", "jobs", true);
        Add("batch", "v1", "CronJob", "cronjobs", true, "cj");
        Add("rbac.authorization.k8s.io", "v1", "Role", "roles", true);
        Add("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true);
        Add("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false);
        Add("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false);
        Add("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false, "crd", "crds");
        Add("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false);
        Add("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false);
        Add("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, "pdb");
        Add("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, "sc");
        Add("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false, "pc");
        Add("coordination.k8s.io", "v1", "Lease", "leases", true);
    }

    private void Add(string group, string version, string kind, string plural, bool namespaced, params string[] shortNames) =>
        _types.Add(new ResourceType(group, version, kind, plural, namespaced, shortNames));

    public IReadOnlyList<ResourceType> All { get { lock (_gate) { return [.. _types]; } } }

    public ResourceType? Find(string group, string version, string plural)
    {
        lock (_gate)
        {
            return _types.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);
        }
    }

    public ResourceType? FindKind(string apiVersion, string kind)
    {
        lock (_gate) { return _types.FirstOrDefault(t => t.GroupVersion == apiVersion && t.Kind == kind); }
    }

    /// <summary>Serves every version of a CRD; returns the types added.</summary>
    public IReadOnlyList<ResourceType> Register(JsonObject crd)
    {
        var spec = crd["spec"]?.AsObject() ?? throw new ApiStatusException(422, "Invalid", "CustomResourceDefinition has no spec");
        var group = spec["group"]?.GetValue<string>() ?? throw new ApiStatusException(422, "Invalid", "spec.group: Required value");
        var names = spec["names"]?.AsObject() ?? throw new ApiStatusException(422, "Invalid", "spec.names: Required value");
        var kind = names["kind"]?.GetValue<string>() ?? throw new ApiStatusException(422, "Invalid", "spec.names.kind: Required value");
        var plural = names["plural"]?.GetValue<string>() ?? throw new ApiStatusException(422, "Invalid", "spec.names.plural: Required value");
        var shortNames = names["shortNames"]?.AsArray().Select(n => n!.GetValue<string>()).ToArray() ?? [];
        var namespaced = spec["scope"]?.GetValue<string>() != "Cluster";
        var added = new List<ResourceType>();
        lock (_gate)
        {
            foreach (var v in spec["versions"]?.AsArray() ?? [])
            {
                var version = v?["name"]?.GetValue<string>();
                if (version is null || v?["served"]?.GetValue<bool>() == false) continue;
                _types.RemoveAll(t => t.Group == group && t.Version == version && t.Plural == plural);
                var type = new ResourceType(group, version, kind, plural, namespaced, shortNames);
                _types.Add(type);
                added.Add(type);
            }
        }
        return added;
    }

    public void Unregister(JsonObject crd)
    {
        var group = crd["spec"]?["group"]?.GetValue<string>();
        var plural = crd["spec"]?["names"]?["plural"]?.GetValue<string>();
        lock (_gate) { _types.RemoveAll(t => t.Group == group && t.Plural == plural); }
    }
}
