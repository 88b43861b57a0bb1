using System.Text.RegularExpressions;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Scenarios.Chaos;

namespace TestFarm.Orchestration.Adapters;

/// <summary>How the SSH node agent reaches a node: user, key file, and the host of a node name (the node name by default).</summary>
public sealed record SshNodeAgentOptions
{
    public string User { get; init; } = "root";
    public string? KeyFile { get; init; }
    public Func<string, string> HostOf { get; init; } = node => node;
    /// <summary>Time limit of one SSH command. Default 1 minute.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// The node agent of real machines, over SSH: <c>kill-kubelet</c> kills the kubelet (SIGKILL through systemd) and keeps it
/// stopped until <see cref="StartKubeletAsync"/>; <c>kill-containers</c> stops the node's running containers with crictl
/// (optionally only those of pods of one namespace), which the kubelet then restarts.
/// </summary>
public sealed partial class SshNodeAgent(IProcessRunner runner, SshNodeAgentOptions options) : INodeAgent
{
    public async Task KillKubeletAsync(string nodeName, CancellationToken cancellationToken = default) =>
        await RunAsync(nodeName, "systemctl kill --signal=SIGKILL kubelet; systemctl stop kubelet", cancellationToken).ConfigureAwait(false);

    public async Task StartKubeletAsync(string nodeName, CancellationToken cancellationToken = default) =>
        await RunAsync(nodeName, "systemctl start kubelet", cancellationToken).ConfigureAwait(false);

    public async Task<int> KillContainersAsync(string nodeName, string? ns, CancellationToken cancellationToken = default)
    {
        if (ns is not null && !NamespaceName().IsMatch(ns)) throw new ArgumentException($"'{ns}' is not a namespace name", nameof(ns));
        var list = ns is null ? "crictl ps -q --state running" : $"crictl ps -q --state running --namespace '^{ns}$'";
        var ids = (await RunAsync(nodeName, list, cancellationToken).ConfigureAwait(false)).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var bad = ids.FirstOrDefault(id => !ContainerId().IsMatch(id));
        if (bad is not null) throw new InvalidOperationException($"{nodeName}: crictl listed '{(bad.Length > 80 ? bad[..80] : bad)}', not a container id");
        if (ids.Count > 0) await RunAsync(nodeName, "crictl stop " + string.Join(' ', ids), cancellationToken).ConfigureAwait(false);
        return ids.Count;
    }

    private async Task<List<string>> RunAsync(string nodeName, string command, CancellationToken cancellationToken)
    {
        var host = options.HostOf(nodeName);
        var args = new List<string> { "-o", "BatchMode=yes", "-o", "ConnectTimeout=10" };
        if (options.KeyFile is not null) args.AddRange(["-i", options.KeyFile]);
        args.AddRange([$"{options.User}@{host}", "--", command]);
        var lines = new List<string>();
        var spec = new ProcessSpec { FileName = "ssh", Arguments = args, Timeout = options.CommandTimeout };
        var result = await runner.RunAsync(spec, line => { if (lines.Count < 10_000) lines.Add(line); }, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{nodeName}: '{command}' over ssh exited {result.ExitCode}: {string.Join(" | ", lines.TakeLast(3))}");
        return lines;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex NamespaceName();

    [GeneratedRegex("^[0-9a-f]{12,64}$")]
    private static partial Regex ContainerId();
}
