namespace TestFarm.Core.Pool;

/// <summary>The machines the farm may hand out, loaded from a pool file (<c>pool.yaml</c>).</summary>
public sealed record PoolInventory
{
    public IReadOnlyList<PoolMachine> Machines { get; init; } = [];
    /// <summary>How the farm logs in to the machines for node actions; null when the pool gives no way (no node agent).</summary>
    public SshNodeAccess? Ssh { get; init; }
}

/// <summary>One physical server with a BMC.</summary>
public sealed record PoolMachine
{
    public required string Id { get; init; }
    /// <summary>Name of the machine's hardware profile.</summary>
    public required string Profile { get; init; }
    public required BmcEndpoint Bmc { get; init; }
    /// <summary>MAC of the NIC that network-boots, lower case, colon separated.</summary>
    public required string ProvisioningMac { get; init; }
    public MachineLocation Location { get; init; } = new();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

public sealed record MachineLocation
{
    public string Site { get; init; } = "default";
    public string Rack { get; init; } = "default";
    public string L2Domain { get; init; } = "default";
}

public enum BmcAuthMode { Session, Basic }

public sealed record BmcEndpoint
{
    /// <summary>Base URL of the BMC, e.g. <c>https://10.1.2.3</c> or a lab URL with a path prefix.</summary>
    public required Uri Url { get; init; }
    public required CredentialReference Credentials { get; init; }
    public BmcAuthMode Auth { get; init; } = BmcAuthMode.Session;
    public BmcTlsOptions Tls { get; init; } = new();
}

/// <summary>
/// Where a secret lives, never the secret itself: an environment variable or a file.
/// The user name may be given in the clear.
/// </summary>
public sealed record CredentialReference
{
    public string? User { get; init; }
    public string? UserEnv { get; init; }
    public string? PasswordEnv { get; init; }
    public string? PasswordFile { get; init; }

    /// <summary>A printable id for logs: names where the secret is, not the secret.</summary>
    public string Id => PasswordEnv is not null ? $"env:{PasswordEnv}" : PasswordFile is not null ? $"file:{PasswordFile}" : "none";
}

public sealed record BmcTlsOptions
{
    /// <summary>Path of a PEM CA bundle that signs the BMC's certificate.</summary>
    public string? CaBundle { get; init; }
    /// <summary>SHA-256 fingerprint (hex) of the BMC's certificate, for self-signed BMCs.</summary>
    public string? PinnedSha256 { get; init; }
    /// <summary>Skip verification. Explicit and logged at every connection; never a default.</summary>
    public bool Insecure { get; init; }
}
