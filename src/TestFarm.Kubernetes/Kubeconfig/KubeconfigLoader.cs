using System.Text.RegularExpressions;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using TestFarm.Core.Text;

namespace TestFarm.Kubernetes.Kubeconfig;

/// <summary>A kubeconfig could not be used; the message names the file and the entry.</summary>
public sealed class KubeconfigException : Exception
{
    public KubeconfigException(string message) : base(message) { }
    public KubeconfigException(string message, Exception inner) : base(message, inner) { }
    public KubeconfigException() { }
}

/// <summary>
/// Reads a kubeconfig through KubernetesClient's <see cref="KubernetesClientConfiguration"/>, then applies the
/// farm's policy the library does not: exec plugins, auth providers, basic auth and insecure-skip-tls-verify
/// are refused, naming the file and the user or cluster.
/// </summary>
public static partial class KubeconfigLoader
{
    public static KubernetesClientConfiguration Load(string path, string? context = null)
    {
        K8SConfiguration? config;
        try { config = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(path), useRelativePaths: true); }
        catch (Exception e) when (e is IOException or KubeConfigException or YamlDotNet.Core.YamlException or UnauthorizedAccessException || IsYamlScannerFault(e))
        {
            throw new KubeconfigException($"{path}: cannot read kubeconfig: {Short(e)}", e);
        }
        return Resolve(config, path, context);
    }

    public static KubernetesClientConfiguration Parse(string text, string source = "inline", string? context = null)
    {
        K8SConfiguration? config;
        try
        {
            using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
            config = KubernetesClientConfiguration.LoadKubeConfig(stream);
        }
        catch (Exception e) when (e is KubeConfigException or YamlDotNet.Core.YamlException || IsYamlScannerFault(e))
        {
            var where = e is YamlDotNet.Core.YamlException y ? $"{y.Start.Line}:{y.Start.Column}: " : " ";
            throw new KubeconfigException($"{source}:{where}kubeconfig is not valid YAML: {Short(e)}", e);
        }
        return Resolve(config, source, context);
    }

    private static KubernetesClientConfiguration Resolve(K8SConfiguration? config, string source, string? context)
    {
        // An empty document reads as no configuration, and "- ~" as a null entry; neither may reach the library.
        if (config is null) throw new KubeconfigException($"{source}: the kubeconfig is empty");
        // A missing list reads as null, which the library's look-ups do not expect (found by testfarm fuzz kubeconfig): empty instead.
        config.Contexts = config.Contexts?.Where(c => c is not null).ToList() ?? [];
        config.Clusters = config.Clusters?.Where(c => c is not null).ToList() ?? [];
        config.Users = config.Users?.Where(u => u is not null).ToList() ?? [];
        var contextName = context ?? config.CurrentContext
            ?? throw new KubeconfigException($"{source}: no current-context set and no context given");
        var ctx = config.Contexts?.FirstOrDefault(c => c.Name == contextName)
            ?? throw new KubeconfigException($"{source}: no entry named '{Bounded.Text(contextName)}' in 'contexts'");
        var clusterName = ctx.ContextDetails?.Cluster ?? throw new KubeconfigException($"{source}: context '{Bounded.Text(contextName)}' names no cluster");
        var cluster = config.Clusters?.FirstOrDefault(c => c.Name == clusterName)
            ?? throw new KubeconfigException($"{source}: no entry named '{Bounded.Text(clusterName)}' in 'clusters'");
        if (cluster.ClusterEndpoint?.SkipTlsVerify == true)
        {
            throw new KubeconfigException(
                $"{source}: cluster '{Bounded.Text(clusterName)}' sets insecure-skip-tls-verify, which TestFarm refuses; give certificate-authority-data");
        }
        var userName = ctx.ContextDetails.User;
        var user = config.Users?.FirstOrDefault(u => u.Name == userName)?.UserCredentials;
        if (user?.ExternalExecution is { } exec)
        {
            throw new KubeconfigException(
                $"{source}: user '{Bounded.Text(userName)}' authenticates with an exec plugin ({Bounded.Text(exec.Command ?? "?")}), which TestFarm does not support; use a client certificate or a token");
        }
        if (user?.AuthProvider is not null)
            throw new KubeconfigException($"{source}: user '{Bounded.Text(userName)}' uses an auth-provider, which TestFarm does not support; use a client certificate or a token");
        if (user?.UserName is not null && user.Token is null && user.ClientCertificateData is null && user.ClientCertificate is null)
            throw new KubeconfigException($"{source}: user '{Bounded.Text(userName)}' uses basic auth, which TestFarm does not support; use a client certificate or a token");
        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigObject(config, contextName);
        }
        catch (Exception e) when (e is KubeConfigException or IOException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new KubeconfigException($"{source}: context '{Bounded.Text(contextName)}': {Short(e)}", e);
        }
    }

    /// <summary>
    /// The library's message, bounded and without .NET type names (KubernetesClient names a context by its type:
    /// "Cluster not found for context `k8s.KubeConfigModels.Context`").
    /// </summary>
    private static string Short(Exception e) => TypeName().Replace(Bounded.Text(e.Message, 300), "(its entry)");

    /// <summary>YamlDotNet's scanner throws <see cref="InvalidOperationException"/> on some malformed input instead of a YamlException.</summary>
    private static bool IsYamlScannerFault(Exception e) => e is InvalidOperationException { Source: "YamlDotNet" };

    [GeneratedRegex(@"`?\b(?:k8s|System|YamlDotNet)(?:\.[A-Za-z_][A-Za-z0-9_]*)+`?")]
    private static partial Regex TypeName();
}
