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

    public static MachineImageState Unknown { get; } = new();
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

    /// <summary>Cleaning is mandatory after an untrusted lease or an unclean one.</summary>
    public static bool CleaningRequired(MachineImageState state) => !state.LastLeaseTrusted || !state.LastLeaseClean;
}
