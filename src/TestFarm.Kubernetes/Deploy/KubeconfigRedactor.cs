using System.Text.RegularExpressions;

namespace TestFarm.Kubernetes.Deploy;

/// <summary>Hides a kubeconfig's secrets (keys, tokens, passwords) for reports and logs.</summary>
public static partial class KubeconfigRedactor
{
    [GeneratedRegex(@"^(\s*(?:client-key-data|token|password|client-certificate-data|id-token|refresh-token)\s*:\s*).+$", RegexOptions.Multiline)]
    private static partial Regex SecretLine();

    public static string Redact(string kubeconfig) => SecretLine().Replace(kubeconfig, "$1REDACTED");
}
