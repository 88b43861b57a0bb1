namespace TestFarm.Kubernetes.Kubeconfig;

/// <summary>The resolved context of a kubeconfig: where the API server is and how to authenticate.</summary>
public sealed record KubeconfigContext
{
    public required string ContextName { get; init; }
    public required string ClusterName { get; init; }
    public required string UserName { get; init; }
    public required Uri Server { get; init; }
    public string? Namespace { get; init; }

    /// <summary>PEM of the CA that signs the server certificate; null to use the system trust store.</summary>
    public string? CertificateAuthorityPem { get; init; }
    public bool InsecureSkipTlsVerify { get; init; }
    public string? ClientCertificatePem { get; init; }
    public string? ClientKeyPem { get; init; }
    public string? Token { get; init; }

    /// <summary>Where the kubeconfig came from (file path or "inline"), for messages.</summary>
    public string Source { get; init; } = "inline";

    /// <summary>A safe one-line description (no secrets).</summary>
    public override string ToString() =>
        $"context {ContextName} (cluster {ClusterName} at {Server}, user {UserName}, auth {(Token is not null ? "token" : ClientCertificatePem is not null ? "client-certificate" : "none")})";
}

/// <summary>A kubeconfig could not be used; the message names the file and the entry.</summary>
public sealed class KubeconfigException : Exception
{
    public KubeconfigException(string message) : base(message) { }
    public KubeconfigException(string message, Exception inner) : base(message, inner) { }
    public KubeconfigException() { }
}
