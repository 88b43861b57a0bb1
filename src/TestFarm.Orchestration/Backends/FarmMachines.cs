using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;

namespace TestFarm.Orchestration.Backends;

/// <summary>What a backend hands out: its machines with their profiles, the build reimaging installs, where cells keep artifacts.</summary>
public sealed record FarmMachines
{
    public required PoolInventory Pool { get; init; }
    public required IReadOnlyDictionary<string, HardwareProfile> Profiles { get; init; }
    /// <summary>The build under test that reimaging installs.</summary>
    public required string BuildId { get; init; }
    /// <summary>Where cells keep their artifacts (one folder per run and cell below it).</summary>
    public required string ArtifactsRoot { get; init; }
}

/// <summary>Work a backend does before it can serve (build images, bind the boot service, start lab machines).</summary>
public interface IFarmStart
{
    Task StartAsync(CancellationToken cancellationToken);
}
