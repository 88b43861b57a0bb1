namespace TestFarm.Lab.Machines;

/// <summary>How long a simulated machine takes in each phase. Per profile, on the lab's clock.</summary>
public sealed record SimulatedTimings
{
    /// <summary>Power-on self test: PoweringOn until it ends.</summary>
    public TimeSpan Post { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>From the end of POST until the OS (or a network-booted agent) runs.</summary>
    public TimeSpan Boot { get; init; } = TimeSpan.FromSeconds(40);
    /// <summary>A graceful shutdown: PoweringOff until it ends.</summary>
    public TimeSpan Shutdown { get; init; } = TimeSpan.FromSeconds(10);

    public static SimulatedTimings Default { get; } = new();

    /// <summary>These timings with the profile's declared firmware POST (<c>firmware.postSeconds</c>).</summary>
    public SimulatedTimings WithPostOf(Core.Hardware.HardwareProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return this with { Post = profile.Firmware.Post };
    }

    /// <summary>No waiting at all: power and boot complete at once (benchmarks).</summary>
    public static SimulatedTimings Instant { get; } = new() { Post = TimeSpan.Zero, Boot = TimeSpan.Zero, Shutdown = TimeSpan.Zero };
}
