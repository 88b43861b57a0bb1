using k8s;
using k8s.Models;
using TestFarm.Core.Cluster;
using TestFarm.Testing;

namespace TestFarm.Kubernetes.Tests;

/// <summary>The official KubernetesClient's typed calls and YAML loader, straight against the lab's simulated API server.</summary>
public sealed class LibraryAgainstLabServerTests
{
    [Test]
    public async Task Typed_calls_list_nodes_read_an_applied_deployment_and_its_pods()
    {
        await using var h = await SimulatedClusterHarness.StartAsync(2);
        var api = h.Client.Api;
        var yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: typed, namespace: default }
            spec:
              replicas: 2
              selector: { matchLabels: { app: typed } }
              template:
                metadata: { labels: { app: typed } }
                spec: { containers: [ { name: c, image: "busybox:1.36" } ] }
            """;
        var typed = KubernetesYaml.LoadAllFromString(yaml).OfType<V1Deployment>().Single();

        var applied = await api.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch(KubernetesJson.Serialize(typed), V1Patch.PatchType.ApplyPatch), "typed", "default", fieldManager: "library-test");
        var nodes = await api.CoreV1.ListNodeAsync();
        var read = await api.AppsV1.ReadNamespacedDeploymentAsync("typed", "default");
        var viaPort = await h.Client.GetAsync(new ResourceRef(ResourceKind.Deployment, "typed", "default"));

        Assert.That(applied.Spec.Replicas, Is.EqualTo(2));
        Assert.That(nodes.Items.Select(n => n.Metadata.Name).Count(), Is.EqualTo(2));
        Assert.That(read.Spec.Template.Spec.Containers.Single().Image, Is.EqualTo("busybox:1.36"));
        Assert.That(read.Metadata.ManagedFields.Select(f => f.Manager), Does.Contain("library-test"));
        Assert.That(viaPort!["spec"]!["replicas"]!.GetValue<long>(), Is.EqualTo(2));
    }

    [Test]
    public void The_metallb_release_manifest_loads_through_kubernetes_yaml()
    {
        var path = Directory.EnumerateFiles(Fixtures.Shared("manifests"), "*.yaml", SearchOption.AllDirectories)
            .First(p => Path.GetFileName(p) == "metallb-native.yaml");

        var objects = KubernetesYaml.LoadAllFromString(File.ReadAllText(path));
        var viaReader = Manifests.ManifestReader.ReadFile(path);

        Assert.That(objects, Has.Count.EqualTo(viaReader.Count));
        Assert.That(objects.OfType<V1CustomResourceDefinition>().Count(),
            Is.EqualTo(viaReader.Count(d => d.Kind == "CustomResourceDefinition")).And.GreaterThan(0));
        Assert.That(viaReader.Select(d => d.Object["kind"]!.GetValue<string>()), Is.EqualTo(objects.Cast<IKubernetesObject>().Select(o => o.Kind)));
    }
}
