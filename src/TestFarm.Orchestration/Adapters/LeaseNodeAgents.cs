using TestFarm.Core.Pool;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Scenarios.Chaos;

namespace TestFarm.Orchestration.Adapters;

/// <summary>Hands each lease its own node agent (state such as the host keys it has seen is the lease's only).</summary>
public interface ILeaseNodeAgents
{
    INodeAgent For(string leaseId);
}

/// <summary>
/// <see cref="SshNodeAgent"/>s over the pool's <see cref="SshNodeAccess"/>: a node name is a machine id of the pool (as the
/// deployers register them), reached at <see cref="SshNodeAccess.HostOf"/>. Each lease has a known-hosts file of its own in
/// <paramref name="knownHostsDirectory"/>, empty at the lease's first connection (its machines were just reimaged, with new
/// host keys): the first key of a host is recorded, a different one later in the lease is refused. Files of leases whose last
/// connection is older than <see cref="KeepKnownHosts"/> are deleted as new leases come.
/// </summary>
public sealed class SshLeaseNodeAgents(IProcessRunner runner, SshNodeAccess access, PoolInventory pool, string knownHostsDirectory, TimeProvider time)
    : ILeaseNodeAgents
{
    /// <summary>How long a lease's known-hosts file is kept after its last write.</summary>
    public static readonly TimeSpan KeepKnownHosts = TimeSpan.FromDays(2);

    private readonly Dictionary<string, PoolMachine> _machines = pool.Machines.GroupBy(m => m.Id, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    public INodeAgent For(string leaseId)
    {
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        Directory.CreateDirectory(knownHostsDirectory);
        Prune();
        return new SshNodeAgent(runner, new SshNodeAgentOptions
        {
            User = access.User, KeyFile = access.KeyFile, Port = access.Port, ConnectTimeout = access.ConnectTimeout, CommandTimeout = access.CommandTimeout,
            KnownHostsFile = KnownHostsFile(leaseId),
            HostOf = node => _machines.TryGetValue(node, out var m) ? access.HostOf(m)
                : throw new ChaosRefusedException($"node '{(node.Length > 80 ? node[..80] : node)}' is no machine of the pool: the farm logs in only to its own machines"),
        });
    }

    /// <summary>The known-hosts file of <paramref name="leaseId"/> (its characters outside [A-Za-z0-9._-] replaced).</summary>
    public string KnownHostsFile(string leaseId) =>
        Path.Combine(knownHostsDirectory, new string([.. leaseId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]).TrimStart('.') + ".known_hosts");

    private void Prune()
    {
        var before = time.GetUtcNow().UtcDateTime - KeepKnownHosts;
        foreach (var file in Directory.EnumerateFiles(knownHostsDirectory, "*.known_hosts"))
        {
            try { if (File.GetLastWriteTimeUtc(file) < before) File.Delete(file); }
            catch (IOException) { } // another instance pruned it first
        }
    }
}
