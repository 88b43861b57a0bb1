using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning.Reimage;

/// <summary>What to boot on which machine, and what the farm remembers of it.</summary>
public sealed record ReimageRequest
{
    public required PoolMachine Machine { get; init; }
    public required HardwareProfile Profile { get; init; }
    public required BootImage Image { get; init; }
    /// <summary>Last verified image and lease; decides fast-track.</summary>
    public MachineImageState State { get; init; } = MachineImageState.Unknown;
    /// <summary>The lease heartbeat, called at each phase start and regularly while a phase runs. Throwing stops the pipeline.</summary>
    public Func<CancellationToken, Task>? Heartbeat { get; init; }
    /// <summary>The build comes from a trusted author: only then may a resident agent kexec it (fast track).</summary>
    public bool TrustedBuild { get; init; }
}
