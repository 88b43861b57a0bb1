using System.Text.Json.Nodes;

namespace TestFarm.Lab.Cluster;

/// <summary>
/// What a freshly deployed (kubeadm-shaped) cluster holds before anyone applies anything: the
/// <c>default/kubernetes</c> and <c>kube-system/kube-dns</c> Services, the CoreDNS Deployment, the kube-proxy
/// DaemonSet, and the control-plane static pods (their mirror pods) on every control-plane node. Pods come
/// from the workload controller like any other; a deleted mirror pod comes back, as the kubelet recreates it.
/// </summary>
public sealed class ClusterBaseline
{
    public const string KubernetesServiceIp = "10.96.0.1";
    public const string DnsServiceIp = "10.96.0.10";
    private static readonly string[] ControlPlaneComponents = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"];
    private readonly ResourceCatalog _catalog;
    private readonly ObjectStore _store;
    private readonly string _version;
    private bool _seeded;

    public ClusterBaseline(ResourceCatalog catalog, ObjectStore store, string kubernetesVersion)
    {
        _catalog = catalog;
        _store = store;
        _version = "v" + kubernetesVersion.TrimStart('v');
    }

    public void Reconcile()
    {
        if (!_seeded)
        {
            Seed();
            _seeded = true;
        }
        MirrorPods();
    }

    private void Seed()
    {
        var services = _catalog.Find("", "v1", "services")!;
        _store.Put(services, Service("kubernetes", "default", KubernetesServiceIp,
            new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" }, null,
            Port("https", 443, "TCP", 6443)));
        _store.Put(services, Service("kube-dns", "kube-system", DnsServiceIp,
            new JsonObject { ["k8s-app"] = "kube-dns", ["kubernetes.io/cluster-service"] = "true", ["kubernetes.io/name"] = "CoreDNS" },
            new JsonObject { ["k8s-app"] = "kube-dns" },
            Port("dns", 53, "UDP", 53), Port("dns-tcp", 53, "TCP", 53), Port("metrics", 9153, "TCP", 9153)));
        _store.Put(_catalog.Find("", "v1", "configmaps")!, new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "coredns", ["namespace"] = "kube-system" },
            ["data"] = new JsonObject { ["Corefile"] = ".:53 {\n    errors\n    health\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n    forward . /etc/resolv.conf\n    cache 30\n}\n" },
        });
        var dnsLabels = new JsonObject { ["k8s-app"] = "kube-dns" };
        _store.Put(_catalog.Find("apps", "v1", "deployments")!, Workload("Deployment", "coredns", dnsLabels, 2, hostNetwork: false,
            Container("coredns", "registry.k8s.io/coredns/coredns:v1.11.3", ["-conf", "/etc/coredns/Corefile"])));
        _store.Put(_catalog.Find("apps", "v1", "daemonsets")!, Workload("DaemonSet", "kube-proxy", new JsonObject { ["k8s-app"] = "kube-proxy" }, null, hostNetwork: true,
            Container("kube-proxy", $"registry.k8s.io/kube-proxy:{_version}", ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=$(NODE_NAME)"])));
    }

    private void MirrorPods()
    {
        var pods = _catalog.Find("", "v1", "pods")!;
        var controlPlanes = _store.List(_catalog.Find("", "v1", "nodes")!, null)
            .Where(n => Selectors.LabelsOf(n).ContainsKey("node-role.kubernetes.io/control-plane")).ToList();
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in controlPlanes)
        {
            var nodeName = node["metadata"]!["name"]!.GetValue<string>();
            foreach (var component in ControlPlaneComponents)
            {
                var name = $"{component}-{nodeName}";
                wanted.Add(name);
                if (_store.Get(pods, "kube-system", name) is null) _store.Put(pods, MirrorPod(component, name, node));
            }
        }
        foreach (var stale in _store.List(pods, "kube-system").Where(p => p["metadata"]?["labels"]?["tier"]?.GetValue<string>() == "control-plane"
                     && p["metadata"]?["annotations"]?["kubernetes.io/config.mirror"] is not null
                     && !wanted.Contains(p["metadata"]!["name"]!.GetValue<string>())))
        {
            _store.Delete(pods, "kube-system", stale["metadata"]!["name"]!.GetValue<string>());
        }
    }

    private JsonObject MirrorPod(string component, string name, JsonObject node)
    {
        var image = component == "etcd" ? "registry.k8s.io/etcd:3.5.16-0" : $"registry.k8s.io/{component}:{_version}";
        string[] command = component == "etcd"
            ? new[] { "etcd", "--data-dir=/var/lib/etcd", "--listen-client-urls=https://127.0.0.1:2379" }
            : [component, $"--kubeconfig=/etc/kubernetes/{component}.conf"];
        return new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name, ["namespace"] = "kube-system",
                ["labels"] = new JsonObject { ["component"] = component, ["tier"] = "control-plane" },
                ["annotations"] = new JsonObject
                {
                    ["kubernetes.io/config.source"] = "file",
                    ["kubernetes.io/config.mirror"] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..32].ToLowerInvariant(),
                    [NodeController.SimulatedAnnotation] = "true",
                },
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = node["metadata"]!["name"]!.DeepClone(),
                    ["uid"] = node["metadata"]!["uid"]!.DeepClone(), ["controller"] = true,
                }),
            },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = node["metadata"]!["name"]!.DeepClone(),
                ["hostNetwork"] = true,
                ["priorityClassName"] = "system-node-critical",
                ["containers"] = new JsonArray(Container(component, image, command)),
            },
            ["status"] = new JsonObject { ["phase"] = "Pending" },
        };
    }

    private static JsonObject Service(string name, string ns, string clusterIp, JsonObject labels, JsonObject? selector, params JsonObject[] ports)
    {
        var spec = new JsonObject
        {
            ["type"] = "ClusterIP", ["clusterIP"] = clusterIp, ["clusterIPs"] = new JsonArray(clusterIp),
            ["ipFamilies"] = new JsonArray("IPv4"), ["ipFamilyPolicy"] = "SingleStack", ["sessionAffinity"] = "None",
            ["ports"] = new JsonArray(ports),
        };
        if (selector is not null) spec["selector"] = selector;
        return new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labels },
            ["spec"] = spec,
        };
    }

    private static JsonObject Port(string name, int port, string protocol, int targetPort) =>
        new() { ["name"] = name, ["port"] = port, ["protocol"] = protocol, ["targetPort"] = targetPort };

    private static JsonObject Container(string name, string image, string[] command) => new()
    {
        ["name"] = name, ["image"] = image,
        ["command"] = new JsonArray(command.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
    };

    private static JsonObject Workload(string kind, string name, JsonObject labels, int? replicas, bool hostNetwork, JsonObject container)
    {
        var podSpec = new JsonObject
        {
            ["containers"] = new JsonArray(container),
            ["nodeSelector"] = new JsonObject { ["kubernetes.io/os"] = "linux" },
            ["priorityClassName"] = "system-cluster-critical",
        };
        if (hostNetwork) podSpec["hostNetwork"] = true;
        var spec = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
            ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() }, ["spec"] = podSpec },
        };
        if (replicas is not null) spec["replicas"] = replicas;
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1", ["kind"] = kind,
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "kube-system", ["labels"] = labels.DeepClone() },
            ["spec"] = spec,
        };
    }
}
