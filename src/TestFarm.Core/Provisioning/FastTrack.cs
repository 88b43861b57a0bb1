namespace TestFarm.Core.Provisioning;

/// <summary>What the farm remembers of a machine's last boot and lease.</summary>
public sealed record MachineImageState
{
    /// <summary>Digest of the image the machine was last verified running, if any.</summary>
    public string? RunningDigest { get; init; }
    /// <summary>The last lease ran code from a trusted author.</summary>
    public bool LastLeaseTrusted { get; init; }
    /// <summary>The last lease ended with a successful cleaning (or never touched the machine).</summary>
    public bool LastLeaseClean { get; init; }

    /// <summary>
    /// After a trusted lease's cleaning the machine stayed powered in the agent (cleaned, verified, heartbeating):
    /// the next trusted build can be written by the agent and kexec'd without a firmware POST.
    /// </summary>
    public bool AgentResident { get; init; }

    public static MachineImageState Unknown { get; } = new();
}

/// <summary>Which way a machine reached its build.</summary>
public enum BootPath
{
    /// <summary>Power off, boot override, firmware POST, network boot, agent callback, verify.</summary>
    Full,
    /// <summary>The resident agent wrote the image and kexec'd it: no power cycle, no POST.</summary>
    FastTrack,
    /// <summary>The machine already ran the exact digest: nothing booted.</summary>
    Skipped,
}

/// <summary>The names reports give a <see cref="BootPath"/>.</summary>
public static class BootPaths
{
    /// <summary><c>full</c>, <c>fast-track</c> or <c>skipped</c>.</summary>
    public static string Name(this BootPath path) => path switch
    {
        BootPath.FastTrack => "fast-track",
        BootPath.Skipped => "skipped",
        _ => "full",
    };
}

public static class FastTrack
{
    /// <summary>
    /// Skip the reimage only when the machine runs exactly the requested digest and its last lease
    /// was trusted and clean. Never after an untrusted lease.
    /// </summary>
    public static bool CanSkip(MachineImageState state, BootImage requested) =>
        state.LastLeaseTrusted && state.LastLeaseClean
        && state.RunningDigest is not null
        && string.Equals(state.RunningDigest, requested.Digest, StringComparison.Ordinal);

    /// <summary>
    /// Boot by kexec from the resident agent only for a trusted build, after a trusted and clean lease that left the
    /// agent running, on a profile that allows it. Untrusted runs always take the full path.
    /// </summary>
    public static bool CanKexec(MachineImageState state, bool trustedBuild, bool profileAllows) =>
        trustedBuild && profileAllows && state.AgentResident && state.LastLeaseTrusted && state.LastLeaseClean;

    /// <summary>Cleaning is mandatory after an untrusted lease or an unclean one.</summary>
    public static bool CleaningRequired(MachineImageState state) => !state.LastLeaseTrusted || !state.LastLeaseClean;
}
