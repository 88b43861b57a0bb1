using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;

namespace TestFarm.Redfish;

/// <summary>Source-generated log messages of the Redfish client. Never logs a password or a token.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.Redfish.RedfishSessionCreated, EventName = nameof(EventIds.Redfish.RedfishSessionCreated), Level = LogLevel.Debug, Message = "Redfish session created on {Bmc} as {User} (credential {CredentialId})")]
    public static partial void SessionCreated(ILogger logger, Uri bmc, string user, string credentialId);

    [LoggerMessage(EventId = EventIds.Redfish.RedfishSessionRelogin, EventName = nameof(EventIds.Redfish.RedfishSessionRelogin), Level = LogLevel.Information, Message = "Redfish session on {Bmc} rejected with 401; logging in again once")]
    public static partial void Relogin(ILogger logger, Uri bmc);

    [LoggerMessage(EventId = EventIds.Redfish.RedfishSessionDeleteFailed, EventName = nameof(EventIds.Redfish.RedfishSessionDeleteFailed), Level = LogLevel.Warning, Message = "Deleting Redfish session {Session} failed: {Reason}")]
    public static partial void SessionDeleteFailed(ILogger logger, Uri session, string reason);

    [LoggerMessage(EventId = EventIds.Redfish.RedfishRetry, EventName = nameof(EventIds.Redfish.RedfishRetry), Level = LogLevel.Information, Message = "Redfish call to {Bmc} failed (status {Status}); retry {Attempt}")]
    public static partial void Retry(ILogger logger, Uri bmc, int attempt, int? status, Exception? reason);

    [LoggerMessage(EventId = EventIds.Redfish.RedfishInsecureTls, EventName = nameof(EventIds.Redfish.RedfishInsecureTls), Level = LogLevel.Warning, Message = "TLS verification is OFF for BMC {Bmc} (insecure: true in the pool file)")]
    public static partial void InsecureTls(ILogger logger, Uri bmc);

    [LoggerMessage(EventId = EventIds.Redfish.RedfishPreconditionRetry, EventName = nameof(EventIds.Redfish.RedfishPreconditionRetry), Level = LogLevel.Information, Message = "PATCH {Uri} answered {Status}; re-reading the ETag and retrying once")]
    public static partial void PreconditionRetry(ILogger logger, Uri uri, int status);

    [LoggerMessage(EventId = EventIds.Redfish.RedfishTaskFollow, EventName = nameof(EventIds.Redfish.RedfishTaskFollow), Level = LogLevel.Debug, Message = "Following Redfish task monitor {Monitor}")]
    public static partial void TaskFollow(ILogger logger, Uri monitor);

    [LoggerMessage(EventId = EventIds.Redfish.RedfishReset, EventName = nameof(EventIds.Redfish.RedfishReset), Level = LogLevel.Information, Message = "Reset {System} with {ResetType} for intent {Intent}")]
    public static partial void Reset(ILogger logger, Uri system, string resetType, Core.Bmc.PowerIntent intent);

    [LoggerMessage(EventId = EventIds.Redfish.RedfishTlsPinMismatch, EventName = nameof(EventIds.Redfish.RedfishTlsPinMismatch), Level = LogLevel.Error, Message = "BMC {Bmc} presented certificate {Fingerprint}, not the pinned one")]
    public static partial void PinMismatch(ILogger logger, Uri bmc, string fingerprint);
}
