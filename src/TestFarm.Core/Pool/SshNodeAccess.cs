namespace TestFarm.Core.Pool;

/// <summary>
/// How the farm reaches the pool's machines over SSH for node actions (<c>kill-kubelet</c>, <c>kill-containers</c>): the pool
/// file's <c>nodeAccess.ssh</c>. The private key is named by path, never given inline. Host keys are not pinned here: machines
/// are reimaged for every lease, so each lease starts an empty known-hosts list of its own (see the README's threat model).
/// </summary>
public sealed record SshNodeAccess
{
    public const string AddressPlaceholder = "{address}";
    public const string IdPlaceholder = "{id}";

    public string User { get; init; } = "root";
    /// <summary>Path of the private key (readable by the farm only); ssh's own defaults when null.</summary>
    public string? KeyFile { get; init; }
    public int Port { get; init; } = 22;
    /// <summary>
    /// The host a machine is reached at: <c>{address}</c> (its <c>address</c> label, the provisioning address the deployers and the
    /// boot service use, else its id) and <c>{id}</c> are replaced. Default <c>{address}</c>.
    /// </summary>
    public string Host { get; init; } = AddressPlaceholder;
    /// <summary>Time to set up the connection (ssh's ConnectTimeout). Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Time limit of one command, connection included. Default 1 minute.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The host of <paramref name="machine"/> by <see cref="Host"/>.</summary>
    public string HostOf(PoolMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        return Host.Replace(AddressPlaceholder, machine.Labels.GetValueOrDefault("address", machine.Id), StringComparison.Ordinal)
            .Replace(IdPlaceholder, machine.Id, StringComparison.Ordinal);
    }
}
