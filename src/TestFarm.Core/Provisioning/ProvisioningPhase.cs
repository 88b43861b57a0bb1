namespace TestFarm.Core.Provisioning;

/// <summary>The phases of a reimage and of cleaning, each with its own deadline, so a report names the slow or dead one.</summary>
public enum ProvisioningPhase
{
    FastTrack,
    PowerOff,
    OverrideSet,
    Post,
    NetworkBoot,
    AgentCallback,
    Verify,
    Wipe,
    ClearOverride,
    PowerOffAfterClean,
    /// <summary>Fast track: the resident agent fetches and writes the image.</summary>
    AgentWrite,
    /// <summary>Fast track: the agent kexecs the written kernel, which calls back.</summary>
    Kexec,
}

public static class ProvisioningPhaseNames
{
    /// <summary>Kebab-case name used in reports: <c>override-set</c>, <c>agent-callback</c>.</summary>
    public static string Name(this ProvisioningPhase phase) => phase switch
    {
        ProvisioningPhase.FastTrack => "fast-track",
        ProvisioningPhase.PowerOff => "power-off",
        ProvisioningPhase.OverrideSet => "override-set",
        ProvisioningPhase.Post => "post",
        ProvisioningPhase.NetworkBoot => "network-boot",
        ProvisioningPhase.AgentCallback => "agent-callback",
        ProvisioningPhase.Verify => "verify",
        ProvisioningPhase.Wipe => "wipe",
        ProvisioningPhase.ClearOverride => "clear-override",
        ProvisioningPhase.PowerOffAfterClean => "power-off-after-clean",
        ProvisioningPhase.AgentWrite => "agent-write",
        ProvisioningPhase.Kexec => "kexec",
        _ => phase.ToString(),
    };
}

/// <summary>Deadline and retries of one phase.</summary>
public sealed record PhasePolicy
{
    public required TimeSpan Deadline { get; init; }
    /// <summary>Extra attempts after the first, for retryable failures (BMC 5xx, timeouts).</summary>
    public int Retries { get; init; }
    /// <summary>Delay before retry n is <c>Backoff * n</c>.</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>Per-phase policies of a reimage and cleaning; defaults suit a real server.</summary>
public sealed record ProvisioningPolicy
{
    /// <summary>The configuration section the provisioning adapter binds.</summary>
    public const string Section = "Provisioning";

    public PhasePolicy PowerOff { get; set; } = new() { Deadline = TimeSpan.FromMinutes(2), Retries = 2 };
    public PhasePolicy OverrideSet { get; set; } = new() { Deadline = TimeSpan.FromSeconds(60), Retries = 2 };
    public PhasePolicy Post { get; set; } = new() { Deadline = TimeSpan.FromMinutes(5), Retries = 2 };
    /// <summary>From power-on until the machine fetches its iPXE script or artifacts.</summary>
    public PhasePolicy NetworkBoot { get; set; } = new() { Deadline = TimeSpan.FromMinutes(10) };
    /// <summary>From the first fetch until the agent calls back.</summary>
    public PhasePolicy AgentCallback { get; set; } = new() { Deadline = TimeSpan.FromMinutes(10) };
    public PhasePolicy Wipe { get; set; } = new() { Deadline = TimeSpan.FromMinutes(30) };
    /// <summary>How long a boot token lives; covers network boot and callback.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(30);
    /// <summary>How often the lease heartbeat is called while a phase runs.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>
    /// An agent that has not polled for this long is taken as gone (the machine was power-cycled and booted
    /// its disk, or hangs): cleaning then boots the cleaning image instead of waiting for it. The lab
    /// image's agent polls every second.
    /// </summary>
    public TimeSpan AgentSilence { get; set; } = TimeSpan.FromSeconds(20);
    /// <summary>
    /// After a trusted cell's cleaning, leave the machine powered in its agent so the next trusted build is kexec'd
    /// without a firmware POST (profiles may still forbid it with <c>boot.fastTrack: false</c>). Off by default: the
    /// agent of the boot image must understand the <c>kexec</c> action (the lab image's does, and the lab turns it on).
    /// </summary>
    public bool FastTrack { get; set; }

    /// <summary>Every phase with one deadline, retries and backoff (fast simulated machines, tests).</summary>
    public static ProvisioningPolicy Uniform(PhasePolicy phase, TimeSpan heartbeatInterval) => new()
    {
        PowerOff = phase, OverrideSet = phase, Post = phase, NetworkBoot = phase, AgentCallback = phase, Wipe = phase,
        HeartbeatInterval = heartbeatInterval,
    };

    public PhasePolicy For(ProvisioningPhase phase) => phase switch
    {
        ProvisioningPhase.PowerOff or ProvisioningPhase.PowerOffAfterClean => PowerOff,
        ProvisioningPhase.OverrideSet or ProvisioningPhase.ClearOverride => OverrideSet,
        ProvisioningPhase.Post => Post,
        ProvisioningPhase.NetworkBoot or ProvisioningPhase.AgentWrite => NetworkBoot,
        ProvisioningPhase.AgentCallback or ProvisioningPhase.Kexec => AgentCallback,
        ProvisioningPhase.Wipe => Wipe,
        _ => new PhasePolicy { Deadline = TimeSpan.FromMinutes(1) },
    };
}
