using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>
/// The PersistentVolume controller and a Ceph CSI external-provisioner together: a claim without a class gets
/// the default StorageClass; a claim on a class whose provisioner is a Ceph CSI driver (<c>*.csi.ceph.com</c>)
/// gets a PersistentVolume and turns Bound while that driver's provisioner Deployment is available (for
/// WaitForFirstConsumer classes, once a pod uses the claim). Claims on other provisioners stay Pending, as
/// nobody provisions them. A released volume is deleted or kept as the class's reclaimPolicy says.
/// </summary>
public sealed class VolumeProvisioner
{
    private const string DefaultClassAnnotation = "storageclass.kubernetes.io/is-default-class";
    private readonly ResourceCatalog _catalog;
    private readonly ObjectStore _store;

    public VolumeProvisioner(ResourceCatalog catalog, ObjectStore store)
    {
        _catalog = catalog;
        _store = store;
    }

    private ResourceType Claims => _catalog.Find("", "v1", "persistentvolumeclaims")!;
    private ResourceType Volumes => _catalog.Find("", "v1", "persistentvolumes")!;

    public void Reconcile()
    {
        var classes = _store.List(_catalog.Find("storage.k8s.io", "v1", "storageclasses")!, null);
        var claims = _store.List(Claims, null);
        var pods = claims.Count == 0 ? [] : _store.List(_catalog.Find("", "v1", "pods")!, null);
        foreach (var claim in claims.Where(c => c["status"]?["phase"]?.GetValue<string>() != "Bound")) Provision(claim, classes, pods);
        ReleaseVolumes(claims);
    }

    private void Provision(JsonObject claim, IReadOnlyList<JsonObject> classes, IReadOnlyList<JsonObject> pods)
    {
        var ns = claim["metadata"]!["namespace"]!.GetValue<string>();
        var name = claim["metadata"]!["name"]!.GetValue<string>();
        var spec = claim["spec"] as JsonObject ?? new JsonObject();
        var className = spec["storageClassName"]?.GetValue<string>();
        if (className is null && classes.FirstOrDefault(c => c["metadata"]?["annotations"]?[DefaultClassAnnotation]?.GetValue<string>() == "true") is { } fallback)
        {
            className = fallback["metadata"]!["name"]!.GetValue<string>();
            spec["storageClassName"] = className;
        }
        var storageClass = classes.FirstOrDefault(c => c["metadata"]!["name"]!.GetValue<string>() == className);
        var provisioner = storageClass?["provisioner"]?.GetValue<string>();
        var waitForConsumer = storageClass?["volumeBindingMode"]?.GetValue<string>() == "WaitForFirstConsumer";
        var used = pods.Any(p => p["metadata"]?["namespace"]?.GetValue<string>() == ns
            && (p["spec"]?["volumes"]?.AsArray() ?? []).Any(v => v?["persistentVolumeClaim"]?["claimName"]?.GetValue<string>() == name));
        if (storageClass is null || provisioner is null || !provisioner.EndsWith(".csi.ceph.com", StringComparison.Ordinal)
            || !DriverAvailable(provisioner) || (waitForConsumer && !used))
        {
            if (claim["status"]?["phase"] is null || !JsonNode.DeepEquals(claim["spec"], spec))
            {
                claim["spec"] = spec;
                claim["status"] = new JsonObject { ["phase"] = "Pending" };
                _store.Put(Claims, claim);
            }
            return;
        }
        var uid = claim["metadata"]!["uid"]!.GetValue<string>();
        var volumeName = $"pvc-{uid}";
        var size = spec["resources"]?["requests"]?["storage"]?.DeepClone() ?? "1Gi";
        var accessModes = spec["accessModes"]?.DeepClone() ?? new JsonArray("ReadWriteOnce");
        var parameters = storageClass["parameters"] as JsonObject;
        var image = $"csi-vol-{uid}";
        _store.Put(Volumes, new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "PersistentVolume",
            ["metadata"] = new JsonObject
            {
                ["name"] = volumeName,
                ["annotations"] = new JsonObject { ["pv.kubernetes.io/provisioned-by"] = provisioner, [NodeController.SimulatedAnnotation] = "true" },
            },
            ["spec"] = new JsonObject
            {
                ["accessModes"] = accessModes.DeepClone(),
                ["capacity"] = new JsonObject { ["storage"] = size.DeepClone() },
                ["claimRef"] = new JsonObject
                {
                    ["apiVersion"] = "v1", ["kind"] = "PersistentVolumeClaim", ["name"] = name, ["namespace"] = ns, ["uid"] = uid,
                    ["resourceVersion"] = claim["metadata"]!["resourceVersion"]!.DeepClone(),
                },
                ["csi"] = new JsonObject
                {
                    ["driver"] = provisioner,
                    ["fsType"] = parameters?["csi.storage.k8s.io/fstype"]?.DeepClone() ?? "ext4",
                    ["volumeHandle"] = $"0001-0009-{parameters?["clusterID"]?.GetValue<string>() ?? "rook-ceph"}-0000000000000002-{uid}",
                    ["volumeAttributes"] = new JsonObject
                    {
                        ["clusterID"] = parameters?["clusterID"]?.DeepClone(), ["pool"] = parameters?["pool"]?.DeepClone(),
                        ["imageName"] = image, ["imageFeatures"] = parameters?["imageFeatures"]?.DeepClone(),
                    },
                },
                ["persistentVolumeReclaimPolicy"] = storageClass["reclaimPolicy"]?.DeepClone() ?? "Delete",
                ["storageClassName"] = className,
                ["volumeMode"] = spec["volumeMode"]?.DeepClone() ?? "Filesystem",
            },
            ["status"] = new JsonObject { ["phase"] = "Bound" },
        });
        spec["volumeName"] = volumeName;
        claim["spec"] = spec;
        var annotations = claim["metadata"]!["annotations"] as JsonObject ?? new JsonObject();
        annotations["pv.kubernetes.io/bind-completed"] = "yes";
        annotations["pv.kubernetes.io/bound-by-controller"] = "yes";
        annotations["volume.beta.kubernetes.io/storage-provisioner"] = provisioner;
        annotations["volume.kubernetes.io/storage-provisioner"] = provisioner;
        claim["metadata"]!["annotations"] = annotations;
        claim["status"] = new JsonObject
        {
            ["phase"] = "Bound", ["accessModes"] = accessModes, ["capacity"] = new JsonObject { ["storage"] = size },
        };
        _store.Put(Claims, claim);
    }

    /// <summary>The CSI driver's provisioner (e.g. csi-rbdplugin-provisioner for rook-ceph.rbd.csi.ceph.com) is available.</summary>
    private bool DriverAvailable(string provisioner)
    {
        var driver = provisioner.Split('.').ElementAtOrDefault(1);
        return _store.List(_catalog.Find("apps", "v1", "deployments")!, null).Any(d =>
            d["metadata"]!["name"]!.GetValue<string>() == $"csi-{driver}plugin-provisioner" && Admission.Int(d["status"]?["availableReplicas"], 0) > 0);
    }

    private void ReleaseVolumes(IReadOnlyList<JsonObject> claims)
    {
        var uids = claims.Select(c => c["metadata"]!["uid"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        foreach (var volume in _store.List(Volumes, null))
        {
            var claimUid = volume["spec"]?["claimRef"]?["uid"]?.GetValue<string>();
            if (claimUid is null || uids.Contains(claimUid)) continue;
            var name = volume["metadata"]!["name"]!.GetValue<string>();
            if (volume["spec"]?["persistentVolumeReclaimPolicy"]?.GetValue<string>() == "Delete")
            {
                _store.Delete(Volumes, null, name);
            }
            else if (volume["status"]?["phase"]?.GetValue<string>() != "Released")
            {
                volume["status"] = new JsonObject { ["phase"] = "Released" };
                _store.Put(Volumes, volume);
            }
        }
    }
}
