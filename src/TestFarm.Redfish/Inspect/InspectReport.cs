namespace TestFarm.Redfish.Inspect;

/// <summary>What <c>testfarm redfish inspect</c> prints: one BMC's systems, managers, warnings and drift.</summary>
public sealed record InspectReport
{
    public string? RedfishVersion { get; init; }
    public IReadOnlyList<InspectSystem> Systems { get; init; } = [];
    public IReadOnlyList<InspectManager> Managers { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public IReadOnlyList<InspectDrift> Drift { get; init; } = [];
}

public sealed record InspectSystem
{
    public required string Id { get; init; }
    public required string Uri { get; init; }
    public string? Manufacturer { get; init; }
    public string? Model { get; init; }
    public string? PowerState { get; init; }
    public int? ProcessorCount { get; init; }
    public double? MemoryGiB { get; init; }
    public IReadOnlyList<string> ResetTypes { get; init; } = [];
    public required InspectBoot Boot { get; init; }
    /// <summary>Systems, Managers or none.</summary>
    public required string VirtualMediaUnder { get; init; }
    public IReadOnlyList<InspectNic> Nics { get; init; } = [];
    public IReadOnlyList<InspectDrive> Drives { get; init; } = [];
    public IReadOnlyList<InspectFirmware> Firmware { get; init; } = [];
}

public sealed record InspectBoot(string Enabled, string Target, string? Mode, IReadOnlyList<string> AllowedTargets);

public sealed record InspectNic(string Id, string? Mac, int? SpeedMbps);

public sealed record InspectDrive(string Id, string? MediaType, long? CapacityBytes);

public sealed record InspectFirmware(string Name, string Version);

public sealed record InspectManager(string Id, string? FirmwareVersion);

public sealed record InspectDrift(string Component, string Expected, string Observed);
