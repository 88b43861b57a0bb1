namespace TestFarm.Kubernetes.Deploy;

/// <summary>Roles a machine plays in the cluster.</summary>
public enum NodeRole { ControlPlane, Etcd, Worker }

/// <summary>A leased machine to become a node: its name, the address the deployer reaches it on, its roles.</summary>
public sealed record ClusterMachine(string Name, string Address, IReadOnlyList<NodeRole> Roles);

/// <summary>What to deploy, for one matrix cell.</summary>
public sealed record DeployRequest
{
    /// <summary>The cell id (&lt;plan&gt;/&lt;profile&gt;/&lt;topology&gt;), used to name the cluster.</summary>
    public required string CellId { get; init; }
    public required IReadOnlyList<ClusterMachine> Machines { get; init; }

    /// <summary>Kubernetes version from the plan, e.g. "1.32.0".</summary>
    public required string KubernetesVersion { get; init; }

    /// <summary>The cell's artifact folder: logs, generated inventory/configs and the kubeconfig go here.</summary>
    public required string ArtifactDirectory { get; init; }

    public string SshUser { get; init; } = "root";
    public string? SshKeyFile { get; init; }

    public string ClusterName => "tf-" + new string(CellId.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()).Trim('-');
}

/// <summary>The deployed cluster: its kubeconfig (an artifact, a secret) and the deploy log.</summary>
public sealed record DeployedCluster(string Deployer, string KubeconfigPath, string LogPath, string KubernetesVersion);

/// <summary>The deploy step failed; the message names the command and the log to read.</summary>
public sealed class DeployException : Exception
{
    public DeployException(string message) : base(message) { }
    public DeployException(string message, Exception inner) : base(message, inner) { }
    public DeployException() { }
}

/// <summary>Turns leased machines into a Kubernetes cluster: kubespray, k3s, talos, or the lab's simulated cluster.</summary>
public interface IClusterDeployer
{
    string Name { get; }
    Task<DeployedCluster> DeployAsync(DeployRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops what <see cref="DeployAsync"/> started off the machines (the lab's simulated API server). A cluster on the
    /// machines themselves goes with their cleaning, so by default there is nothing to stop.
    /// </summary>
    Task TeardownAsync(DeployedCluster cluster, CancellationToken cancellationToken = default) => Task.CompletedTask;
}

/// <summary>Runs a deployer's commands one by one, appending every line to the cell's log.</summary>
internal sealed class DeployLog
{
    private readonly IProcessRunner _runner;
    private readonly string _path;
    private readonly Action<string>? _echo;

    public DeployLog(IProcessRunner runner, string path, Action<string>? echo)
    {
        _runner = runner;
        _path = path;
        _echo = echo;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
    }

    public string Path => _path;

    public async Task RunAsync(ProcessSpec spec, CancellationToken ct)
    {
        Append("$ " + spec.Display);
        var result = await _runner.RunAsync(spec, Append, ct);
        Append($"# exit {result.ExitCode} after {result.Duration.TotalSeconds:F1}s");
        if (result.ExitCode != 0)
            throw new DeployException($"{spec.Display} failed with exit code {result.ExitCode}; see {_path}");
    }

    public void Append(string line)
    {
        File.AppendAllText(_path, line + "\n");
        _echo?.Invoke(line);
    }
}
