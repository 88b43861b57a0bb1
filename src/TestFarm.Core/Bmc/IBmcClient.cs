using TestFarm.Core.Pool;

namespace TestFarm.Core.Bmc;

/// <summary>
/// The farm's hands on one machine's BMC. Implemented over Redfish by TestFarm.Redfish; faked in
/// TestFarm.Testing. Failures throw <see cref="BmcException"/> carrying what the BMC said.
/// </summary>
public interface IBmcClient : IAsyncDisposable
{
    Task<PowerState> GetPowerStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Asks for a power change, mapped onto the reset types the BMC offers.</summary>
    Task ResetAsync(PowerIntent intent, CancellationToken cancellationToken = default);

    /// <summary>Polls until the BMC reports <paramref name="target"/>, or throws after <paramref name="deadline"/>.</summary>
    Task WaitForPowerStateAsync(PowerState target, TimeSpan deadline, CancellationToken cancellationToken = default);

    /// <summary>Sets a one-time boot override and verifies it by reading it back.</summary>
    Task SetOneTimeBootAsync(BootTarget target, BootModeRequest mode = BootModeRequest.Unchanged, CancellationToken cancellationToken = default);

    Task<BootOverride> GetBootOverrideAsync(CancellationToken cancellationToken = default);

    Task InsertVirtualMediaAsync(Uri image, CancellationToken cancellationToken = default);

    Task EjectVirtualMediaAsync(CancellationToken cancellationToken = default);

    /// <summary>Processors, memory, NICs, drives and firmware as the BMC reports them.</summary>
    Task<ObservedHardware> GetInventoryAsync(CancellationToken cancellationToken = default);
}

/// <summary>Builds a client for a pool machine's BMC endpoint (credentials resolved from their reference).</summary>
public interface IBmcClientFactory
{
    IBmcClient Create(PoolMachine machine);
}

public enum PowerState { On, Off, PoweringOn, PoweringOff, Unknown }

public enum PowerIntent { On, ForceOff, GracefulOff, ForceRestart, GracefulRestart, PowerCycle }

public enum BootTarget { None, Pxe, UefiHttp, Cd, Hdd, BiosSetup }

public enum BootModeRequest { Unchanged, Uefi, Legacy }

public sealed record BootOverride
{
    /// <summary>Disabled, Once or Continuous.</summary>
    public required string Enabled { get; init; }
    public required string Target { get; init; }
    public string? Mode { get; init; }
    public IReadOnlyList<string> AllowedTargets { get; init; } = [];
}

/// <summary>A BMC call failed: carries the HTTP status, the Redfish MessageId and message, and the raw body.</summary>
public sealed class BmcException : Exception
{
    public BmcException(string message) : base(message) { }
    public BmcException(string message, Exception inner) : base(message, inner) { }
    public BmcException(string message, int? httpStatus, string? messageId, string? rawBody, Uri? uri = null, Exception? inner = null)
        : base(message, inner)
    {
        HttpStatus = httpStatus;
        MessageId = messageId;
        RawBody = rawBody;
        Uri = uri;
    }

    public int? HttpStatus { get; }
    public string? MessageId { get; }
    public string? RawBody { get; }
    public Uri? Uri { get; }
    /// <summary>What kind of failure, for phase blame and retries.</summary>
    public BmcErrorKind Kind { get; init; } = BmcErrorKind.Remote;
}

public enum BmcErrorKind { Remote, Unreachable, Timeout, Unauthorized, Unsupported, OverrideIgnored, Protocol }
