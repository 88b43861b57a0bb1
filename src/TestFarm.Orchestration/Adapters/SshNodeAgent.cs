using System.Text.RegularExpressions;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Scenarios.Chaos;

namespace TestFarm.Orchestration.Adapters;

/// <summary>How the SSH node agent reaches a node: user, key file, port, the host of a node name, host keys and time limits.</summary>
public sealed record SshNodeAgentOptions
{
    public string User { get; init; } = "root";
    /// <summary>Path of the private key; ssh's own defaults when null. Only this key is offered (IdentitiesOnly).</summary>
    public string? KeyFile { get; init; }
    public int Port { get; init; } = 22;
    /// <summary>The host of a node name; throws when the node is no machine the agent may reach.</summary>
    public Func<string, string> HostOf { get; init; } = node => node;
    /// <summary>
    /// The known-hosts file of this agent (one per lease): a host's first key is recorded, a different key later is refused.
    /// ssh's own known-hosts files and prompting when null.
    /// </summary>
    public string? KnownHostsFile { get; init; }
    /// <summary>Time to set up the connection. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Time limit of one SSH command, connection included. Default 1 minute.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// The node agent of real machines, over SSH: <c>kill-kubelet</c> kills the kubelet (SIGKILL through systemd) and keeps it
/// stopped until <see cref="StartKubeletAsync"/>; <c>kill-containers</c> stops the node's running containers with crictl
/// (optionally only those of pods of one namespace), which the kubelet then restarts. Every failure names the node and the
/// <c>user@host:port</c> it tried, never the key.
/// </summary>
public sealed partial class SshNodeAgent(IProcessRunner runner, SshNodeAgentOptions options) : INodeAgent
{
    public async Task KillKubeletAsync(string nodeName, CancellationToken cancellationToken = default) =>
        await RunAsync(nodeName, "systemctl kill --signal=SIGKILL kubelet; systemctl stop kubelet", cancellationToken).ConfigureAwait(false);

    public async Task StartKubeletAsync(string nodeName, CancellationToken cancellationToken = default) =>
        await RunAsync(nodeName, "systemctl start kubelet", cancellationToken).ConfigureAwait(false);

    public async Task<int> KillContainersAsync(string nodeName, string? ns, CancellationToken cancellationToken = default)
    {
        if (ns is not null && !NamespaceName().IsMatch(ns)) throw new ArgumentException($"'{Cut(ns)}' is not a namespace name", nameof(ns));
        var list = ns is null ? "crictl ps -q --state running" : $"crictl ps -q --state running --namespace '^{ns}$'";
        var ids = (await RunAsync(nodeName, list, cancellationToken).ConfigureAwait(false)).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var bad = ids.FirstOrDefault(id => !ContainerId().IsMatch(id));
        if (bad is not null) throw new InvalidOperationException($"{nodeName}: crictl listed '{Cut(bad)}', not a container id");
        if (ids.Count > 0) await RunAsync(nodeName, "crictl stop " + string.Join(' ', ids), cancellationToken).ConfigureAwait(false);
        return ids.Count;
    }

    /// <summary>The arguments of <c>ssh</c> for one command on <paramref name="host"/>.</summary>
    internal List<string> Arguments(string host, string command)
    {
        var args = new List<string> { "-o", "BatchMode=yes", "-o", $"ConnectTimeout={Math.Max(1, (int)Math.Ceiling(options.ConnectTimeout.TotalSeconds))}" };
        if (options.KeyFile is not null) args.AddRange(["-o", "IdentitiesOnly=yes", "-i", options.KeyFile]);
        args.AddRange(["-p", options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (options.KnownHostsFile is not null)
        {
            args.AddRange(["-o", "StrictHostKeyChecking=accept-new", "-o", $"UserKnownHostsFile={options.KnownHostsFile}",
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "HashKnownHosts=no", "-o", "LogLevel=ERROR"]);
        }
        args.AddRange([$"{options.User}@{host}", "--", command]);
        return args;
    }

    private async Task<List<string>> RunAsync(string nodeName, string command, CancellationToken cancellationToken)
    {
        var host = options.HostOf(nodeName);
        var target = $"{options.User}@{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{options.Port}";
        var lines = new List<string>();
        var spec = new ProcessSpec { FileName = "ssh", Arguments = Arguments(host, command), Timeout = options.CommandTimeout };
        ProcessResult result;
        try
        {
            result = await runner.RunAsync(spec, line => { if (lines.Count < 10_000) lines.Add(line); }, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{nodeName} ({target}): '{command}' over ssh did not finish within {options.CommandTimeout.TotalSeconds:0}s; stopped");
        }
        if (result.ExitCode == 0) return lines;
        var why = lines.Any(l => l.Contains("Host key verification failed", StringComparison.Ordinal) || l.Contains("HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal))
            ? $"the host key of {target} is not the one this lease first saw (known hosts {options.KnownHostsFile}): refused"
            : string.Join(" | ", lines.Where(l => l.Length > 0).TakeLast(3).Select(Cut));
        throw new InvalidOperationException($"{nodeName} ({target}): '{command}' over ssh exited {result.ExitCode}: {why}");
    }

    private static string Cut(string text) => text.Length > 200 ? text[..200] + "…" : text;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex NamespaceName();

    [GeneratedRegex("^[0-9a-f]{12,64}$")]
    private static partial Regex ContainerId();
}
