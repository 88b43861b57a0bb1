using TestFarm.Kubernetes.Kubeconfig;
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
            tokenFile: robot.token
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
        Directory.CreateDirectory(dir.File("pki"));
        File.WriteAllText(dir.File("pki/ca.crt"), "CA PEM");
        File.WriteAllText(dir.File("pki/admin.crt"), "CERT PEM");
        File.WriteAllText(dir.File("pki/admin.key"), "KEY PEM");
        File.WriteAllText(dir.File("robot.token"), "s3cret-token\n");
        File.WriteAllText(dir.File("config"), Config);
        return dir.File("config");
    }

    [Test]
    public void Current_context_resolves_files_relative_to_the_kubeconfig()
    {
        using var dir = new TempDirectory("kubeconfig");

        var context = KubeconfigLoader.Load(Write(dir));

        Assert.That(context.Server, Is.EqualTo(new Uri("https://127.0.0.1:6443")));
        Assert.That(context.Namespace, Is.EqualTo("ci"));
        Assert.That(context.CertificateAuthorityPem, Is.EqualTo("CA PEM"));
        Assert.That(context.ClientCertificatePem, Is.EqualTo("CERT PEM"));
        Assert.That(context.ClientKeyPem, Is.EqualTo("KEY PEM"));
    }

    [Test]
    public void A_named_context_with_a_token_file_and_the_description_hides_the_token()
    {
        using var dir = new TempDirectory("kubeconfig");

        var context = KubeconfigLoader.Load(Write(dir), "prod");

        Assert.That(context.Token, Is.EqualTo("s3cret-token"));
        Assert.That(context.ToString(), Does.Contain("auth token").And.Not.Contain("s3cret"));
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

        Assert.That(e!.Message, Does.Match(@"^bad\.kubeconfig:\d+:\d+: kubeconfig is not valid YAML"));
    }
}
