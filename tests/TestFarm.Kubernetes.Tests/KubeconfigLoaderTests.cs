using TestFarm.Kubernetes.Kubeconfig;
using TestFarm.Lab.Cluster;
using TestFarm.Testing;

namespace TestFarm.Kubernetes.Tests;

/// <summary>Kubeconfig reading: contexts, files relative to the kubeconfig, tokens, and errors that say where.</summary>
public sealed class KubeconfigLoaderTests
{
    private const string Config = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: lab
          cluster:
            server: https://127.0.0.1:6443
            certificate-authority: pki/ca.crt
        - name: prod
          cluster:
            server: https://10.0.0.1:6443
        users:
        - name: admin
          user:
            client-certificate: pki/admin.crt
            client-key: pki/admin.key
        - name: robot
          user:
            token: s3cret-token
        contexts:
        - name: lab
          context: { cluster: lab, user: admin, namespace: ci }
        - name: prod
          context: { cluster: prod, user: robot }
        - name: broken
          context: { cluster: nowhere, user: admin }
        current-context: lab
        """;

    private static string Write(TempDirectory dir)
    {
        using var pki = ClusterCertificates.Generate(TimeProvider.System);
        Directory.CreateDirectory(dir.File("pki"));
        File.WriteAllText(dir.File("pki/ca.crt"), pki.CaPem);
        File.WriteAllText(dir.File("pki/admin.crt"), pki.ClientCertificatePem);
        File.WriteAllText(dir.File("pki/admin.key"), pki.ClientKeyPem);
        File.WriteAllText(dir.File("config"), Config);
        return dir.File("config");
    }

    [Test]
    public void Current_context_resolves_files_relative_to_the_kubeconfig()
    {
        using var dir = new TempDirectory("kubeconfig");

        var context = KubeconfigLoader.Load(Write(dir));

        Assert.That(context.Host, Is.EqualTo("https://127.0.0.1:6443"));
        Assert.That(context.Namespace, Is.EqualTo("ci"));
        Assert.That(context.SslCaCerts, Has.Count.EqualTo(1));
        Assert.That(context.ClientCertificateFilePath, Is.EqualTo(dir.File("pki/admin.crt")));
        Assert.That(context.ClientKeyFilePath, Is.EqualTo(dir.File("pki/admin.key")));
    }

    [Test]
    public void A_named_context_with_a_token()
    {
        using var dir = new TempDirectory("kubeconfig");

        var context = KubeconfigLoader.Load(Write(dir), "prod");

        Assert.That(context.AccessToken, Is.EqualTo("s3cret-token"));
        Assert.That(context.Host, Is.EqualTo("https://10.0.0.1:6443"));
    }

    [Test]
    public void A_context_naming_a_missing_cluster_says_which()
    {
        using var dir = new TempDirectory("kubeconfig");
        var path = Write(dir);

        var e = Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Load(path, "broken"));

        Assert.That(e!.Message, Is.EqualTo($"{path}: no entry named 'nowhere' in 'clusters'"));
    }

    [Test]
    public void Invalid_yaml_is_reported_with_line_and_column()
    {
        var e = Assert.Throws<KubeconfigException>(() => KubeconfigLoader.Parse("clusters: [\n  - a\n  b: c", "bad.kubeconfig"));

        Assert.That(e!.Message, Does.StartWith("bad.kubeconfig:").And.Contain("kubeconfig is not valid YAML"));
    }
}
