using System.Text;

namespace TestFarm.Lab.Cluster;

/// <summary>Writes the kubeconfig of a simulated cluster (client certificate auth, CA inline).</summary>
public static class KubeconfigWriter
{
    public static string Write(string name, Uri server, ClusterCertificates certificates)
    {
        static string B64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));
        var url = server.GetLeftPart(UriPartial.Authority);
        return $$"""
            # A simulated cluster served by TestFarm's lab (not a real Kubernetes).
            apiVersion: v1
            kind: Config
            clusters:
            - name: {{name}}
              cluster:
                server: {{url}}
                certificate-authority-data: {{B64(certificates.CaPem)}}
            users:
            - name: {{name}}-admin
              user:
                client-certificate-data: {{B64(certificates.ClientCertificatePem)}}
                client-key-data: {{B64(certificates.ClientKeyPem)}}
            contexts:
            - name: {{name}}
              context:
                cluster: {{name}}
                user: {{name}}-admin
            current-context: {{name}}
            preferences: {}

            """;
    }
}
