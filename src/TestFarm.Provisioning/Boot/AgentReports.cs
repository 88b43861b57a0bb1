using System.Text.Json;
using System.Text.Json.Serialization;
using TestFarm.Core.Bmc;

namespace TestFarm.Provisioning.Boot;

/// <summary>Body of <c>POST /agent/v1/booted</c>, sent by the boot agent in the image.</summary>
public sealed record AgentBootedReport
{
    public required string Token { get; init; }
    public required string BuildId { get; init; }
    public IReadOnlyList<string> Macs { get; init; } = [];
    public AgentCpu? Cpu { get; init; }
    public long? MemoryKiB { get; init; }
    public IReadOnlyList<AgentNic> Nics { get; init; } = [];
    public IReadOnlyList<AgentDisk> Disks { get; init; } = [];

    /// <summary>The facts as <see cref="ObservedHardware"/>, to compare with a profile.</summary>
    public ObservedHardware ToObserved() => new()
    {
        ProcessorCount = Cpu?.Sockets,
        CoreCount = Cpu?.Count,
        MemoryGiB = MemoryKiB is { } kib ? Math.Round(kib / 1024.0 / 1024.0, 2) : null,
        Nics = [.. Nics.Select(n => new ObservedNic { Id = n.Name, Mac = n.Mac, Driver = n.Driver, SpeedMbps = n.SpeedMbps is > 0 ? n.SpeedMbps : null })],
        Drives = [.. Disks.Select(d => new ObservedDrive
        {
            Id = d.Name,
            CapacityBytes = d.SizeBytes,
            MediaType = d.Rotational switch { true => "HDD", false => "SSD", null => null },
            Protocol = d.Name.StartsWith("nvme", StringComparison.Ordinal) ? "NVMe" : null,
        })],
    };
}

public sealed record AgentCpu
{
    /// <summary>Logical CPUs the kernel sees.</summary>
    public int Count { get; init; }
    /// <summary>Distinct physical packages.</summary>
    public int? Sockets { get; init; }
}

public sealed record AgentNic
{
    public required string Name { get; init; }
    public string? Mac { get; init; }
    public string? Driver { get; init; }
    public int? SpeedMbps { get; init; }
}

public sealed record AgentDisk
{
    public required string Name { get; init; }
    public long? SizeBytes { get; init; }
    public bool? Rotational { get; init; }
}

/// <summary>Body of <c>POST /agent/v1/cleaned</c>: the wipe action's one-time token and what was wiped.</summary>
public sealed record AgentCleanedReport
{
    public required string Token { get; init; }
    public IReadOnlyList<string> Wiped { get; init; } = [];
    public IReadOnlyList<string> Failed { get; init; } = [];
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(AgentBootedReport))]
[JsonSerializable(typeof(AgentCleanedReport))]
public sealed partial class AgentJsonContext : JsonSerializerContext;
