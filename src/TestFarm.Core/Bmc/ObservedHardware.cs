namespace TestFarm.Core.Bmc;

/// <summary>Hardware as observed (by a BMC's inventory or by the boot agent), to compare with a profile.</summary>
public sealed record ObservedHardware
{
    public string? Manufacturer { get; init; }
    public string? Model { get; init; }
    /// <summary>The processors' model as the source names it (e.g. "Intel(R) Xeon(R) ..."); several distinct ones joined by " + ".</summary>
    public string? CpuModel { get; init; }
    public int? ProcessorCount { get; init; }
    public int? CoreCount { get; init; }
    public double? MemoryGiB { get; init; }
    public IReadOnlyList<ObservedNic> Nics { get; init; } = [];
    public IReadOnlyList<ObservedDrive> Drives { get; init; } = [];
    public IReadOnlyList<ObservedFirmware> Firmware { get; init; } = [];
    /// <summary>Linked resources that could not be read: the result is partial where this is not empty.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

public sealed record ObservedNic
{
    public required string Id { get; init; }
    public string? Mac { get; init; }
    public int? SpeedMbps { get; init; }
    public string? Driver { get; init; }
    /// <summary>The adapter's model (Redfish NetworkAdapter <c>Model</c>), when the source names it.</summary>
    public string? Model { get; init; }
}

public sealed record ObservedDrive
{
    public required string Id { get; init; }
    /// <summary>HDD, SSD (NVMe drives report SSD with an NVMe protocol).</summary>
    public string? MediaType { get; init; }
    public string? Protocol { get; init; }
    public long? CapacityBytes { get; init; }
    public string? Model { get; init; }
    public string? Serial { get; init; }
}

public sealed record ObservedFirmware
{
    public required string Name { get; init; }
    public required string Version { get; init; }
}

/// <summary>One difference between declared and observed hardware.</summary>
public sealed record DriftItem(string Component, string Expected, string Observed)
{
    public override string ToString() => $"{Component}: expected {Expected}, observed {Observed}";
}
