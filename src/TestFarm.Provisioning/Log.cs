using TestFarm.Core.Logging;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Hardware;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Boot;

namespace TestFarm.Provisioning;

/// <summary>Source-generated log messages of TestFarm.Provisioning (EventIds 6000-6099). Tokens appear only as ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.Provisioning.TicketIssued, EventName = nameof(EventIds.Provisioning.TicketIssued), Level = LogLevel.Information,
        Message = "Boot ticket {TokenId} issued for machine {MachineId}: build {BuildId} by {Method}")]
    public static partial void TicketIssued(ILogger logger, string machineId, string tokenId, string buildId, BootMethod method);

    [LoggerMessage(EventId = EventIds.Provisioning.AgentBooted, EventName = nameof(EventIds.Provisioning.AgentBooted), Level = LogLevel.Information,
        Message = "Agent of machine {MachineId} booted (ticket {TokenId}), reports build {BuildId}, from {Remote}")]
    public static partial void AgentBooted(ILogger logger, string machineId, string tokenId, string buildId, string? remote);

    [LoggerMessage(EventId = EventIds.Provisioning.CallbackRefused, EventName = nameof(EventIds.Provisioning.CallbackRefused), Level = LogLevel.Warning,
        Message = "Agent callback {Kind} refused: token {TokenId} is {Check} (machine {MachineId}), from {Remote}")]
    public static partial void CallbackRefused(ILogger logger, string kind, TokenCheck check, string tokenId, string? machineId, string? remote);

    [LoggerMessage(EventId = EventIds.Provisioning.AgentCleaned, EventName = nameof(EventIds.Provisioning.AgentCleaned), Level = LogLevel.Information,
        Message = "Agent of machine {MachineId} wiped {Wiped} disks ({Failed} failed), from {Remote}")]
    public static partial void AgentCleaned(ILogger logger, string machineId, int wiped, int failed, string? remote);

    [LoggerMessage(EventId = EventIds.Provisioning.ScriptServed, EventName = nameof(EventIds.Provisioning.ScriptServed), Level = LogLevel.Information,
        Message = "iPXE script served to machine {MachineId} (ticket {TokenId})")]
    public static partial void ScriptServed(ILogger logger, string machineId, string tokenId);

    [LoggerMessage(EventId = EventIds.Provisioning.NoPendingBoot, EventName = nameof(EventIds.Provisioning.NoPendingBoot), Level = LogLevel.Warning,
        Message = "No pending boot for {Key}: script refused")]
    public static partial void NoPendingBoot(ILogger logger, string key);

    [LoggerMessage(EventId = EventIds.Provisioning.PhaseStarted, EventName = nameof(EventIds.Provisioning.PhaseStarted), Level = LogLevel.Debug,
        Message = "Machine {MachineId}: phase {Phase} started (attempt {Attempt})")]
    public static partial void PhaseStarted(ILogger logger, string machineId, ProvisioningPhase phase, int attempt);

    [LoggerMessage(EventId = EventIds.Provisioning.PhaseFailed, EventName = nameof(EventIds.Provisioning.PhaseFailed), Level = LogLevel.Warning,
        Message = "Machine {MachineId}: phase {Phase} failed on attempt {Attempt}: {Error}")]
    public static partial void PhaseFailed(ILogger logger, string machineId, ProvisioningPhase phase, int attempt, string error);

    [LoggerMessage(EventId = EventIds.Provisioning.Reimaged, EventName = nameof(EventIds.Provisioning.Reimaged), Level = LogLevel.Information,
        Message = "Machine {MachineId}: reimage ended {Status} (phase {Phase}) in {Elapsed}")]
    public static partial void Reimaged(ILogger logger, string machineId, ProvisioningStatus status, ProvisioningPhase? phase, TimeSpan elapsed);

    [LoggerMessage(EventId = EventIds.Provisioning.FastTracked, EventName = nameof(EventIds.Provisioning.FastTracked), Level = LogLevel.Information,
        Message = "Machine {MachineId}: already runs {Digest} after a trusted clean lease; reimage skipped")]
    public static partial void FastTracked(ILogger logger, string machineId, string digest);

    [LoggerMessage(EventId = EventIds.Provisioning.MethodFallback, EventName = nameof(EventIds.Provisioning.MethodFallback), Level = LogLevel.Warning,
        Message = "Machine {MachineId}: boot method {Method} unusable ({Error}); trying the next")]
    public static partial void MethodFallback(ILogger logger, string machineId, BootMethod method, string error);

    [LoggerMessage(EventId = EventIds.Provisioning.KexecFallback, EventName = nameof(EventIds.Provisioning.KexecFallback), Level = LogLevel.Warning,
        Message = "Machine {MachineId}: fast track failed ({Error}); taking the full path")]
    public static partial void KexecFallback(ILogger logger, string machineId, string error);

    [LoggerMessage(EventId = EventIds.Provisioning.Cleaned, EventName = nameof(EventIds.Provisioning.Cleaned), Level = LogLevel.Information,
        Message = "Machine {MachineId}: cleaning ended {Status} (phase {Phase})")]
    public static partial void Cleaned(ILogger logger, string machineId, ProvisioningStatus status, ProvisioningPhase? phase);

    [LoggerMessage(EventId = EventIds.Provisioning.HeartbeatFailed, EventName = nameof(EventIds.Provisioning.HeartbeatFailed), Level = LogLevel.Warning,
        Message = "Machine {MachineId}: lease heartbeat failed; stopping")]
    public static partial void HeartbeatFailed(ILogger logger, string machineId, Exception error);

    [LoggerMessage(EventId = EventIds.Provisioning.HealthChecked, EventName = nameof(EventIds.Provisioning.HealthChecked), Level = LogLevel.Information,
        Message = "Machine {MachineId}: health {Grade} after {Check} passed={Passed}")]
    public static partial void HealthChecked(ILogger logger, string machineId, HealthGrade grade, string check, bool passed);

    [LoggerMessage(EventId = EventIds.Provisioning.QemuStarted, EventName = nameof(EventIds.Provisioning.QemuStarted), Level = LogLevel.Information,
        Message = "QEMU for machine {MachineId} started (pid {Pid}, accel {Accel})")]
    public static partial void QemuStarted(ILogger logger, string machineId, int pid, string accel);

    [LoggerMessage(EventId = EventIds.Provisioning.AgentSilent, EventName = nameof(EventIds.Provisioning.AgentSilent), Level = LogLevel.Warning,
        Message = "Agent of machine {MachineId} silent for {Seconds:F0} s: taken as gone, its session closed")]
    public static partial void AgentSilent(ILogger logger, string machineId, double seconds);

    [LoggerMessage(EventId = EventIds.Provisioning.HealthMoved, EventName = nameof(EventIds.Provisioning.HealthMoved), Level = LogLevel.Warning,
        Message = "Machine {MachineId}: health moved it {From} -> {To} (grade {Grade})")]
    public static partial void HealthMoved(ILogger logger, string machineId, TestFarm.Core.Machines.MachineState from, TestFarm.Core.Machines.MachineState to, HealthGrade grade);

    [LoggerMessage(EventId = EventIds.Provisioning.HealthMoveSkipped, EventName = nameof(EventIds.Provisioning.HealthMoveSkipped), Level = LogLevel.Information,
        Message = "Machine {MachineId}: health verdict not applied: {Reason}")]
    public static partial void HealthMoveSkipped(ILogger logger, string machineId, string reason);

    [LoggerMessage(EventId = EventIds.Provisioning.BootRefused, EventName = nameof(EventIds.Provisioning.BootRefused), Level = LogLevel.Warning,
        Message = "Audit: {What} for machine {MachineId} (MAC {Mac}) refused to caller {Caller}: {Reason}")]
    public static partial void BootRefused(ILogger logger, string what, string machineId, string mac, string caller, string reason);

    [LoggerMessage(EventId = EventIds.Provisioning.InventoryRecorded, EventName = nameof(EventIds.Provisioning.InventoryRecorded), Level = LogLevel.Debug,
        Message = "Machine {MachineId}: observed inventory kept ({Source})")]
    public static partial void InventoryRecorded(ILogger logger, string machineId, TestFarm.Core.Hardware.InventorySource source);

    [LoggerMessage(EventId = EventIds.Provisioning.InventoryNotRecorded, EventName = nameof(EventIds.Provisioning.InventoryNotRecorded), Level = LogLevel.Warning,
        Message = "Machine {MachineId}: observed inventory ({Source}) not kept: {Reason}")]
    public static partial void InventoryNotRecorded(ILogger logger, string machineId, TestFarm.Core.Hardware.InventorySource source, string reason);
}
