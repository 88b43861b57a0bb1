using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using TestFarm.Kubernetes.Kubeconfig;

namespace TestFarm.Kubernetes.Client;

/// <summary>Builds the HTTP handler for a kubeconfig context: client certificate, custom CA trust, bearer token.</summary>
public static class KubernetesHttp
{
    public static SocketsHttpHandler CreateHandler(KubeconfigContext context)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (context.ClientCertificatePem is not null)
        {
            if (context.ClientKeyPem is null)
                throw new KubeconfigException($"{context.Source}: user '{context.UserName}' has a client certificate but no client key");
            using var pem = X509Certificate2.CreateFromPem(context.ClientCertificatePem, context.ClientKeyPem);
            // Re-import through PKCS#12 so the TLS stack on Linux can use the private key.
            var cert = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            handler.SslOptions.ClientCertificates = [cert];
        }
        if (context.InsecureSkipTlsVerify)
        {
            throw new KubeconfigException(
                $"{context.Source}: cluster '{context.ClusterName}' sets insecure-skip-tls-verify, which TestFarm refuses; give certificate-authority-data");
        }
        else if (context.CertificateAuthorityPem is not null)
        {
            var ca = new X509Certificate2Collection();
            ca.ImportFromPem(context.CertificateAuthorityPem);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null) return false;
                if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }
        return handler;
    }
}
