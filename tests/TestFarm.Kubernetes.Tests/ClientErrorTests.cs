using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;
using TestFarm.Kubernetes.Client;
using TestFarm.Kubernetes.Kubeconfig;
using TestFarm.Kubernetes.Manifests;

namespace TestFarm.Kubernetes.Tests;

/// <summary>Errors reach the caller with the server's Status; bad input is refused with where it is.</summary>
public sealed class ClientErrorTests
{
    private static JsonObject ConfigMap(string ns, string value) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = "settings", ["namespace"] = ns },
        ["data"] = new JsonObject { ["mode"] = value },
    };

    [Test]
    public async Task Status_of_a_failed_request_is_surfaced()
    {
        await using var h = await SimulatedClusterHarness.StartAsync(1);

        var e = Assert.ThrowsAsync<ClusterApiException>(() => h.Client.ApplyAsync(ConfigMap("missing-ns", "a")));

        Assert.That(e!.Code, Is.EqualTo(404));
        Assert.That(e.Reason, Is.EqualTo("NotFound"));
        Assert.That(e.Message, Does.Contain("namespaces \"missing-ns\" not found"));
    }

    [Test]
    public async Task Apply_conflict_names_the_owning_field_manager()
    {
        await using var h = await SimulatedClusterHarness.StartAsync(1);
        var context = KubeconfigLoader.Load(h.KubeconfigPath);
        using var other = new KubernetesClient(context, new KubernetesClientOptions { FieldManager = "helm" });
        await other.ApplyAsync(ConfigMap("default", "from-helm"));

        var e = Assert.ThrowsAsync<ClusterApiException>(() => h.Client.ApplyAsync(ConfigMap("default", "from-testfarm")));

        Assert.That(e!.Code, Is.EqualTo(409));
        Assert.That(e.Reason, Is.EqualTo("Conflict"));
        Assert.That(e.Message, Does.Contain("conflict with \"helm\": .data.mode"));
        var stored = await h.Client.GetAsync(new ResourceRef(new ResourceKind("v1", "ConfigMap"), "settings", "default"));
        Assert.That(stored!["data"]!["mode"]!.GetValue<string>(), Is.EqualTo("from-helm"));
    }

    [Test]
    public async Task Same_value_from_two_managers_is_shared_not_a_conflict()
    {
        await using var h = await SimulatedClusterHarness.StartAsync(1);
        using var other = new KubernetesClient(KubeconfigLoader.Load(h.KubeconfigPath), new KubernetesClientOptions { FieldManager = "helm" });
        await other.ApplyAsync(ConfigMap("default", "same"));

        var stored = await h.Client.ApplyAsync(ConfigMap("default", "same"));

        var managers = stored["metadata"]!["managedFields"]!.AsArray().Select(m => m!["manager"]!.GetValue<string>());
        Assert.That(managers, Is.EquivalentTo(new[] { "helm", "testfarm" }));
    }

    [Test]
    public async Task A_kind_the_server_does_not_serve_is_refused_with_document_index_and_line()
    {
        await using var h = await SimulatedClusterHarness.StartAsync(1);
        const string yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: fine
            ---
            apiVersion: ceph.rook.io/v1
            kind: CephCluster
            metadata:
              name: too-early
              namespace: default
            """;
        var docs = ManifestReader.Parse(yaml, "cluster.yaml");
        var applier = new ManifestApplier(h.Client, h.Client.Discovery, TimeProvider.System);

        var e = Assert.ThrowsAsync<ManifestException>(() => applier.ApplyAsync(docs));

        Assert.That(e!.Errors.Single().ToString(), Does.StartWith("cluster.yaml: document 2 (line 6): unknown kind CephCluster in ceph.rook.io/v1"));
        Assert.That(await h.Client.GetAsync(new ResourceRef(new ResourceKind("v1", "ConfigMap"), "fine", "default")), Is.Null,
            "nothing of the rest is applied when a kind is unknown");
    }

    [Test]
    public void An_exec_plugin_kubeconfig_is_refused_naming_the_user()
    {
        const string config = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: eks
              cluster: { server: "https://10.1.2.3:6443" }
            users:
            - name: eks-admin
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: aws
            contexts:
            - name: eks
              context: { cluster: eks, user: eks-admin }
            current-context: eks
            """;

        var e = Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Parse(config, "eks.kubeconfig"));

        Assert.That(e!.Message, Does.Contain("user 'eks-admin'").And.Contain("exec plugin (aws)").And.StartWith("eks.kubeconfig:"));
    }

    [Test]
    public void Malformed_manifests_are_refused_with_every_document_index_and_line()
    {
        const string yaml = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: ok
            ---
            kind: ConfigMap
            metadata:
              name: no-api-version
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              name: [unclosed
            ---
            apiVersion: v1
            metadata:
              name: no-kind
            """;

        var e = Assert.Throws<ManifestException>(() => ManifestReader.Parse(yaml, "bad.yaml"));

        Assert.That(e!.Errors.Select(x => (x.Index, x.Line)), Is.EqualTo(new[] { (2, 6), (3, 13), (4, 15) }), string.Join("\n", e.Errors));
        Assert.That(e.Errors[0].Message, Is.EqualTo("missing apiVersion"));
        Assert.That(e.Errors[1].Message, Does.StartWith("invalid YAML at line 13"));
        Assert.That(e.Errors[2].Message, Is.EqualTo("missing kind"));
    }
}
