using TestFarm.Core.Bmc;

namespace TestFarm.Core.Hardware;

/// <summary>What observed a machine's hardware.</summary>
public enum InventorySource
{
    /// <summary>The BMC's Redfish inventory, read by a health round.</summary>
    BmcInspection,
    /// <summary>The boot agent's report at the end of a reimage (what the booted kernel saw).</summary>
    AgentReport,
}

/// <summary>A machine's hardware as last observed: when, by what, and what was seen.</summary>
public sealed record InventoryObservation
{
    public required string MachineId { get; init; }
    public required DateTimeOffset At { get; init; }
    public required InventorySource Source { get; init; }
    public required ObservedHardware Hardware { get; init; }
}

/// <summary>
/// The farm's record of each machine's latest observed inventory (the store's <c>machine_inventory</c> table): one
/// observation per machine, a new one replacing the old in one write. Differences from the profile are not kept here:
/// they are computed from the observation (<see cref="HardwareDrift"/>), and the drift events already record them.
/// </summary>
public interface IInventoryStore
{
    /// <summary>Replaces the machine's observation. An unknown machine or an observation beyond <see cref="InventoryLimits"/> is refused.</summary>
    Task RecordInventoryAsync(InventoryObservation observation, CancellationToken ct = default);

    /// <summary>The machine's latest observation; null when it was never inspected.</summary>
    Task<InventoryObservation?> ReadInventoryAsync(string machineId, CancellationToken ct = default);
}
