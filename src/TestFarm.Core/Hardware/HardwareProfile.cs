namespace TestFarm.Core.Hardware;

/// <summary>Declared hardware of one kind of machine, loaded from <c>hardware-profiles/*.yaml</c>.</summary>
public sealed record HardwareProfile
{
    public required string Name { get; init; }
    public required CpuArchitecture Arch { get; init; }
    public required CpuSpec Cpu { get; init; }
    public required int MemoryGiB { get; init; }
    public IReadOnlyList<NicSpec> Nics { get; init; } = [];
    public IReadOnlyList<StorageSpec> Storage { get; init; } = [];
    public FirmwareSpec Firmware { get; init; } = new();
    public BootSpec Boot { get; init; } = new();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

public enum CpuArchitecture { Amd64, Arm64 }

public sealed record CpuSpec
{
    public required string Vendor { get; init; }
    public required string Model { get; init; }
    public int Sockets { get; init; } = 1;
    public required int Cores { get; init; }
}

public enum NicRole { Provisioning, Data }

public sealed record NicSpec
{
    public required string Vendor { get; init; }
    public required string Model { get; init; }
    public required string Driver { get; init; }
    public required int SpeedGbps { get; init; }
    public int Ports { get; init; } = 1;
    public int Count { get; init; } = 1;
    public NicRole Role { get; init; } = NicRole.Data;
}

public enum StorageKind { Nvme, Ssd, Hdd }

public enum StorageRole { Os, RookOsd, Scratch }

public sealed record StorageSpec
{
    public required StorageKind Kind { get; init; }
    public required int SizeGB { get; init; }
    public int Count { get; init; } = 1;
    public StorageRole Role { get; init; } = StorageRole.Scratch;
}

public sealed record FirmwareSpec
{
    public string? Bios { get; init; }
    public string? Bmc { get; init; }
    public string? Nic { get; init; }
    /// <summary>Seconds from power-on or reset until the firmware hands over to the boot loader (0 for emulated machines).</summary>
    public int PostSeconds { get; init; }

    /// <summary>The most a profile may declare: a POST longer than this is a typo, not a machine.</summary>
    public const int MaxPostSeconds = 1800;

    public TimeSpan Post => TimeSpan.FromSeconds(PostSeconds);
}

public enum BootMode { Uefi, Legacy }

public enum BootMethod { Pxe, Http, VirtualMedia }

public sealed record BootSpec
{
    public IReadOnlyList<BootMode> Modes { get; init; } = [BootMode.Uefi];
    public IReadOnlyList<BootMethod> Methods { get; init; } = [BootMethod.Pxe];
    /// <summary>
    /// The machine may stay in the agent after a trusted cell's cleaning and boot the next trusted build by kexec,
    /// without a firmware POST. False forces the full power-cycle path every time.
    /// </summary>
    public bool FastTrack { get; init; } = true;
}
