using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;

namespace TestFarm.Lab.LabHost;

/// <summary>Source-generated log messages of the lab (EventIds 4000-4099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.Lab.LabStarted, EventName = nameof(EventIds.Lab.LabStarted), Level = LogLevel.Information,
        Message = "Lab started at {BaseAddress}: {Simulated} simulated and {Qemu} QEMU machines, their BMCs in {BmcNetwork} on the same port")]
    public static partial void LabStarted(ILogger logger, Uri baseAddress, int simulated, int qemu, System.Net.IPNetwork bmcNetwork);

    [LoggerMessage(EventId = EventIds.Lab.LabStopped, EventName = nameof(EventIds.Lab.LabStopped), Level = LogLevel.Information, Message = "Lab at {BaseAddress} stopped")]
    public static partial void LabStopped(ILogger logger, Uri baseAddress);

    [LoggerMessage(EventId = EventIds.Lab.MachineStopFailed, EventName = nameof(EventIds.Lab.MachineStopFailed), Level = LogLevel.Warning, Message = "Lab machine {MachineId} did not stop cleanly")]
    public static partial void MachineStopFailed(ILogger logger, string machineId, Exception exception);

    [LoggerMessage(EventId = EventIds.Lab.RequestFailed, EventName = nameof(EventIds.Lab.RequestFailed), Level = LogLevel.Error, Message = "Lab request {Method} {Path} failed")]
    public static partial void RequestFailed(ILogger logger, string method, string path, Exception exception);
}
