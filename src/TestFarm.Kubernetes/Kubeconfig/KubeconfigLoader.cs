using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TestFarm.Kubernetes.Kubeconfig;

/// <summary>
/// Reads a kubeconfig (clusters, users, contexts, current-context) and resolves one context. Supports
/// client certificates (file or -data), bearer tokens (inline or tokenFile) and CA (file or -data);
/// exec plugins and auth providers are refused with the user's name.
/// </summary>
public static class KubeconfigLoader
{
    public static KubeconfigContext Load(string path, string? context = null)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (IOException e) { throw new KubeconfigException($"{path}: cannot read kubeconfig: {e.Message}", e); }
        return Parse(text, path, context, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    public static KubeconfigContext Parse(string text, string source = "inline", string? context = null, string? baseDirectory = null)
    {
        var yaml = new YamlStream();
        try { yaml.Load(new StringReader(text)); }
        catch (YamlException e) { throw new KubeconfigException($"{source}:{e.Start.Line}:{e.Start.Column}: kubeconfig is not valid YAML: {e.Message}", e); }
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
            throw new KubeconfigException($"{source}: kubeconfig is empty or not a mapping");

        var contextName = context ?? Scalar(root, "current-context")
            ?? throw new KubeconfigException($"{source}: no current-context set and no context given");
        var ctx = Named(root, "contexts", contextName, source)["context"] as YamlMappingNode
            ?? throw new KubeconfigException($"{source}: context '{contextName}' has no 'context' entry");
        var clusterName = Scalar(ctx, "cluster") ?? throw new KubeconfigException($"{source}: context '{contextName}' names no cluster");
        var userName = Scalar(ctx, "user") ?? throw new KubeconfigException($"{source}: context '{contextName}' names no user");
        var cluster = Named(root, "clusters", clusterName, source)["cluster"] as YamlMappingNode
            ?? throw new KubeconfigException($"{source}: cluster '{clusterName}' has no 'cluster' entry");
        var user = Named(root, "users", userName, source)["user"] as YamlMappingNode ?? new YamlMappingNode();

        if (Child(user, "exec") is not null)
        {
            var command = Scalar(Child(user, "exec") as YamlMappingNode, "command") ?? "?";
            throw new KubeconfigException(
                $"{source}: user '{userName}' authenticates with an exec plugin ({command}), which TestFarm does not support; use a client certificate or a token");
        }
        if (Child(user, "auth-provider") is not null)
            throw new KubeconfigException($"{source}: user '{userName}' uses an auth-provider, which TestFarm does not support; use a client certificate or a token");

        var serverText = Scalar(cluster, "server") ?? throw new KubeconfigException($"{source}: cluster '{clusterName}' has no server");
        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server))
            throw new KubeconfigException($"{source}: cluster '{clusterName}' server '{serverText}' is not an absolute URL");

        var token = Scalar(user, "token");
        var tokenFile = Scalar(user, "tokenFile");
        if (token is null && tokenFile is not null) token = File.ReadAllText(Resolve(tokenFile, baseDirectory)).Trim();
        if (Scalar(user, "username") is not null && token is null && Scalar(user, "client-certificate-data") is null && Scalar(user, "client-certificate") is null)
            throw new KubeconfigException($"{source}: user '{userName}' uses basic auth, which TestFarm does not support; use a client certificate or a token");

        return new KubeconfigContext
        {
            ContextName = contextName,
            ClusterName = clusterName,
            UserName = userName,
            Server = server,
            Namespace = Scalar(ctx, "namespace"),
            CertificateAuthorityPem = DataOrFile(cluster, "certificate-authority", baseDirectory, source, $"cluster '{clusterName}'"),
            InsecureSkipTlsVerify = Scalar(cluster, "insecure-skip-tls-verify") == "true",
            ClientCertificatePem = DataOrFile(user, "client-certificate", baseDirectory, source, $"user '{userName}'"),
            ClientKeyPem = DataOrFile(user, "client-key", baseDirectory, source, $"user '{userName}'"),
            Token = token,
            Source = source,
        };
    }

    private static string? DataOrFile(YamlMappingNode node, string key, string? baseDirectory, string source, string owner)
    {
        var data = Scalar(node, key + "-data");
        if (data is not null)
        {
            try { return Encoding.UTF8.GetString(Convert.FromBase64String(data)); }
            catch (FormatException e) { throw new KubeconfigException($"{source}: {owner} {key}-data is not base64", e); }
        }
        var file = Scalar(node, key);
        if (file is null) return null;
        var path = Resolve(file, baseDirectory);
        try { return File.ReadAllText(path); }
        catch (IOException e) { throw new KubeconfigException($"{source}: {owner} {key} file {path} cannot be read: {e.Message}", e); }
    }

    private static string Resolve(string path, string? baseDirectory) =>
        Path.IsPathRooted(path) || baseDirectory is null ? path : Path.Combine(baseDirectory, path);

    private static YamlMappingNode Named(YamlMappingNode root, string list, string name, string source)
    {
        var items = Child(root, list) as YamlSequenceNode
            ?? throw new KubeconfigException($"{source}: kubeconfig has no '{list}' list");
        return items.Children.OfType<YamlMappingNode>().FirstOrDefault(i => Scalar(i, "name") == name)
               ?? throw new KubeconfigException($"{source}: no entry named '{name}' in '{list}'");
    }

    private static YamlNode? Child(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string? Scalar(YamlMappingNode? node, string key) => (Child(node, key) as YamlScalarNode)?.Value;
}
