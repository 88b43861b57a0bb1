using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TestFarm.Kubernetes.Deploy;

/// <summary>
/// k3s over SSH: the install script on the first control-plane (cluster-init) with a fresh token, then
/// the other servers and agents join it; the kubeconfig is read back and pointed at the first server.
/// servicelb is disabled: MetalLB provides LoadBalancers. The token is hidden in every log line.
/// </summary>
public sealed partial class K3sDeployer : IClusterDeployer
{
    private readonly IProcessRunner _runner;
    private readonly ILogger _logger;
    private readonly TimeSpan _stepTimeout;

    public K3sDeployer(IProcessRunner runner, TimeSpan? stepTimeout = null, ILogger? logger = null)
    {
        _runner = runner;
        _stepTimeout = stepTimeout ?? TimeSpan.FromMinutes(15);
        _logger = logger ?? NullLogger.Instance;
    }

    public string Name => "k3s";

    public async Task<DeployedCluster> DeployAsync(DeployRequest request, CancellationToken cancellationToken = default)
    {
        Log.Deploying(_logger, Name, request.CellId, request.Machines.Count, request.KubernetesVersion);
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        var log = new DeployLog(_runner, Path.Combine(request.ArtifactDirectory, "k3s.log"), null);
        foreach (var step in Commands(request, token)) await log.RunAsync(step, cancellationToken);

        var first = FirstServer(request);
        var lines = new List<string>();
        var fetch = Ssh(request, first, "cat /etc/rancher/k3s/k3s.yaml", []);
        log.Append("$ " + fetch.Display);
        var result = await _runner.RunAsync(fetch, lines.Add, cancellationToken);
        if (result.ExitCode != 0) throw new DeployException($"{fetch.Display} failed with exit code {result.ExitCode}; see {log.Path}");
        var kubeconfig = Path.Combine(request.ArtifactDirectory, "kubeconfig");
        File.WriteAllText(kubeconfig, LocalServer().Replace(string.Join("\n", lines) + "\n", $"https://{first.Address}:6443"));
        log.Append($"# kubeconfig written to {kubeconfig} (not shown: it holds credentials)");
        return new DeployedCluster(Name, kubeconfig, log.Path, request.KubernetesVersion);
    }

    [GeneratedRegex(@"https://127\.0\.0\.1:6443")]
    private static partial Regex LocalServer();

    /// <summary>The install commands, in order: first server, other servers, agents.</summary>
    public static IReadOnlyList<ProcessSpec> Commands(DeployRequest request, string token)
    {
        var first = FirstServer(request);
        var version = $"v{request.KubernetesVersion.TrimStart('v')}+k3s1";
        var install = $"curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION='{version}' K3S_TOKEN='{token}' sh -s -";
        var commands = new List<ProcessSpec>
        {
            Ssh(request, first, $"{install} server --cluster-init --disable servicelb --tls-san {first.Address} --node-name {first.Name}", [token]),
        };
        foreach (var server in request.Machines.Where(m => m != first && m.Roles.Contains(NodeRole.ControlPlane)))
        {
            commands.Add(Ssh(request, server, $"{install} server --server https://{first.Address}:6443 --disable servicelb --node-name {server.Name}", [token]));
        }
        foreach (var agent in request.Machines.Where(m => !m.Roles.Contains(NodeRole.ControlPlane)))
        {
            commands.Add(Ssh(request, agent, $"{install} agent --server https://{first.Address}:6443 --node-name {agent.Name}", [token]));
        }
        return commands;
    }

    private static ClusterMachine FirstServer(DeployRequest request) =>
        request.Machines.FirstOrDefault(m => m.Roles.Contains(NodeRole.ControlPlane))
        ?? throw new DeployException($"cell {request.CellId}: no machine has the control-plane role");

    private static ProcessSpec Ssh(DeployRequest request, ClusterMachine machine, string remote, IReadOnlyList<string> secrets)
    {
        var args = new List<string> { "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new" };
        if (request.SshKeyFile is not null) args.AddRange(["-i", request.SshKeyFile]);
        args.Add($"{request.SshUser}@{machine.Address}");
        args.Add(remote);
        return new ProcessSpec { FileName = "ssh", Arguments = args, Secrets = secrets, Timeout = TimeSpan.FromMinutes(15) };
    }
}
