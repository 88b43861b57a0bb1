using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TestFarm.Kubernetes.Deploy;

/// <summary>
/// Talos: <c>talosctl gen config</c> for the cell, <c>apply-config --insecure</c> to each machine
/// (control plane or worker config), <c>bootstrap</c> on the first control plane, then <c>kubeconfig</c>.
/// </summary>
public sealed class TalosDeployer : IClusterDeployer
{
    private readonly IProcessRunner _runner;
    private readonly ILogger _logger;
    private readonly string _talosctl;

    public TalosDeployer(IProcessRunner runner, string talosctl = "talosctl", ILogger? logger = null)
    {
        _runner = runner;
        _talosctl = talosctl;
        _logger = logger ?? NullLogger.Instance;
    }

    public string Name => "talos";

    public async Task<DeployedCluster> DeployAsync(DeployRequest request, CancellationToken cancellationToken = default)
    {
        Log.Deploying(_logger, Name, request.CellId, request.Machines.Count, request.KubernetesVersion);
        var log = new DeployLog(_runner, Path.Combine(request.ArtifactDirectory, "talos.log"), null);
        foreach (var step in Commands(request, _talosctl)) await log.RunAsync(step, cancellationToken);
        var kubeconfig = Path.Combine(request.ArtifactDirectory, "kubeconfig");
        if (!File.Exists(kubeconfig)) throw new DeployException($"talosctl kubeconfig wrote no {kubeconfig}; see {log.Path}");
        return new DeployedCluster(Name, kubeconfig, log.Path, request.KubernetesVersion);
    }

    /// <summary>The talosctl commands, in order.</summary>
    public static IReadOnlyList<ProcessSpec> Commands(DeployRequest request, string talosctl = "talosctl")
    {
        var controlPlanes = request.Machines.Where(m => m.Roles.Contains(NodeRole.ControlPlane)).ToList();
        if (controlPlanes.Count == 0) throw new DeployException($"cell {request.CellId}: no machine has the control-plane role");
        var first = controlPlanes[0];
        var dir = Path.Combine(request.ArtifactDirectory, "talos");
        var talosconfig = Path.Combine(dir, "talosconfig");
        ProcessSpec Talosctl(params string[] args) => new() { FileName = talosctl, Arguments = args, Timeout = TimeSpan.FromMinutes(10) };

        var commands = new List<ProcessSpec>
        {
            Talosctl("gen", "config", request.ClusterName, $"https://{first.Address}:6443",
                "--kubernetes-version", request.KubernetesVersion.TrimStart('v'), "--output-dir", dir, "--force"),
        };
        foreach (var m in request.Machines)
        {
            var file = m.Roles.Contains(NodeRole.ControlPlane) ? "controlplane.yaml" : "worker.yaml";
            commands.Add(Talosctl("apply-config", "--insecure", "--nodes", m.Address, "--file", Path.Combine(dir, file)));
        }
        commands.Add(Talosctl("bootstrap", "--nodes", first.Address, "--endpoints", first.Address, "--talosconfig", talosconfig));
        commands.Add(Talosctl("kubeconfig", Path.Combine(request.ArtifactDirectory, "kubeconfig"), "--nodes", first.Address,
            "--endpoints", first.Address, "--talosconfig", talosconfig, "--force"));
        return commands;
    }
}
