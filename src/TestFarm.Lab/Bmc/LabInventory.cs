using System.Globalization;
using TestFarm.Core.Hardware;

namespace TestFarm.Lab.Bmc;

/// <summary>The concrete parts of one lab machine, expanded from its hardware profile.</summary>
public sealed record LabInventory
{
    public required IReadOnlyList<LabCpu> Cpus { get; init; }
    public required IReadOnlyList<LabDimm> Dimms { get; init; }
    public required IReadOnlyList<LabNic> Nics { get; init; }
    public required IReadOnlyList<LabDrive> Drives { get; init; }

    /// <summary>Expands counts and ports into parts. MACs are 52:54:00:&lt;machine index&gt;:&lt;nic&gt;, stable per index.</summary>
    public static LabInventory From(HardwareProfile profile, int machineIndex)
    {
        var cpus = Enumerable.Range(1, Math.Max(1, profile.Cpu.Sockets))
            .Select(i => new LabCpu($"CPU{i}", profile.Cpu.Vendor, profile.Cpu.Model, profile.Cpu.Cores, profile.Arch)).ToList();
        var dimmCount = profile.MemoryGiB >= 64 && profile.MemoryGiB % 32 == 0 ? profile.MemoryGiB / 32 : 1;
        var dimms = Enumerable.Range(1, dimmCount)
            .Select(i => new LabDimm($"DIMM{i}", profile.MemoryGiB * 1024 / dimmCount)).ToList();
        var nics = new List<LabNic>();
        // The provisioning NIC comes first, so NIC1 carries the pool's provisioning MAC.
        foreach (var spec in profile.Nics.OrderBy(n => n.Role == NicRole.Provisioning ? 0 : 1))
        {
            for (var i = 0; i < spec.Count * Math.Max(1, spec.Ports); i++)
            {
                var n = nics.Count;
                nics.Add(new LabNic($"NIC{n + 1}", Mac(machineIndex, n), spec.SpeedGbps * 1000, spec.Vendor, spec.Model, spec.Driver, spec.Role));
            }
        }
        if (nics.Count == 0)
            nics.Add(new LabNic("NIC1", Mac(machineIndex, 0), 1000, "Red Hat", "virtio", "virtio_net", NicRole.Provisioning));
        var drives = new List<LabDrive>();
        int nvme = 0, sd = 0;
        foreach (var spec in profile.Storage)
        {
            for (var i = 0; i < spec.Count; i++)
            {
                // Named as Linux would (and as the simulated cluster names OSD devices): nvme0n1…, sda….
                var device = spec.Kind == StorageKind.Nvme ? $"nvme{nvme++}n1" : "sd" + (char)('a' + sd++);
                drives.Add(new LabDrive($"Drive{drives.Count + 1}", spec.Kind, (long)spec.SizeGB * 1_000_000_000, spec.Role, device));
            }
        }
        return new LabInventory { Cpus = cpus, Dimms = dimms, Nics = nics, Drives = drives };
    }

    public static string Mac(int machineIndex, int nicIndex) => string.Format(CultureInfo.InvariantCulture,
        "52:54:00:{0:x2}:{1:x2}:{2:x2}", (machineIndex >> 8) & 0xff, machineIndex & 0xff, nicIndex & 0xff);
}

public sealed record LabCpu(string Id, string Vendor, string Model, int Cores, CpuArchitecture Arch);

public sealed record LabDimm(string Id, int CapacityMiB);

public sealed record LabNic(string Id, string Mac, int SpeedMbps, string Vendor, string Model, string Driver, NicRole Role);

public sealed record LabDrive(string Id, StorageKind Kind, long CapacityBytes, StorageRole Role, string LinuxDevice)
{
    public string MediaType => Kind == StorageKind.Hdd ? "HDD" : "SSD";
    public string Protocol => Kind switch { StorageKind.Nvme => "NVMe", StorageKind.Ssd => "SATA", _ => "SAS" };
}
