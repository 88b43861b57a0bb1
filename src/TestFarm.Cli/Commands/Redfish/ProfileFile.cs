using TestFarm.Core.Hardware;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace TestFarm.Cli.Commands.Redfish;

/// <summary>
/// A minimal reader of <c>hardware-profiles/NAME.yaml</c> for drift in <c>redfish inspect</c>, until the
/// shared configuration loader lands; errors name file:line:col.
/// </summary>
internal static class ProfileFile
{
    public static HardwareProfile Load(string path)
    {
        var deserializer = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).IgnoreUnmatchedProperties().Build();
        ProfileYaml yaml;
        try
        {
            yaml = deserializer.Deserialize<ProfileYaml>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}:1:1: empty profile");
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{path}:{e.Start.Line}:{e.Start.Column}: {e.Message}", e);
        }
        return new HardwareProfile
        {
            Name = yaml.Name ?? Path.GetFileNameWithoutExtension(path),
            Arch = string.Equals(yaml.Arch, "arm64", StringComparison.OrdinalIgnoreCase) ? CpuArchitecture.Arm64 : CpuArchitecture.Amd64,
            Cpu = new CpuSpec { Vendor = yaml.Cpu?.Vendor ?? "", Model = yaml.Cpu?.Model ?? "", Sockets = yaml.Cpu?.Sockets ?? 1, Cores = yaml.Cpu?.Cores ?? 0 },
            MemoryGiB = yaml.MemoryGiB,
            Nics = yaml.Nics.Select(n => new NicSpec
            {
                Vendor = n.Vendor ?? "", Model = n.Model ?? "", Driver = n.Driver ?? "", SpeedGbps = n.SpeedGbps, Ports = n.Ports ?? 1, Count = n.Count ?? 1,
                Role = string.Equals(n.Role, "provisioning", StringComparison.OrdinalIgnoreCase) ? NicRole.Provisioning : NicRole.Data,
            }).ToList(),
            Storage = yaml.Storage.Select(s => new StorageSpec
            {
                Kind = s.Kind?.ToLowerInvariant() switch { "nvme" => StorageKind.Nvme, "hdd" => StorageKind.Hdd, _ => StorageKind.Ssd },
                SizeGB = s.SizeGB, Count = s.Count ?? 1,
                Role = s.Role?.ToLowerInvariant() switch { "os" => StorageRole.Os, "rook-osd" => StorageRole.RookOsd, _ => StorageRole.Scratch },
            }).ToList(),
            Firmware = new FirmwareSpec { Bios = yaml.Firmware?.Bios, Bmc = yaml.Firmware?.Bmc, Nic = yaml.Firmware?.Nic },
        };
    }

    private sealed class ProfileYaml
    {
        public string? Name { get; set; }
        public string? Arch { get; set; }
        public CpuYaml? Cpu { get; set; }
        public int MemoryGiB { get; set; }
        public List<NicYaml> Nics { get; set; } = [];
        public List<StorageYaml> Storage { get; set; } = [];
        public FirmwareYaml? Firmware { get; set; }
    }

    private sealed class CpuYaml
    {
        public string? Vendor { get; set; }
        public string? Model { get; set; }
        public int? Sockets { get; set; }
        public int? Cores { get; set; }
    }

    private sealed class NicYaml
    {
        public string? Vendor { get; set; }
        public string? Model { get; set; }
        public string? Driver { get; set; }
        public int SpeedGbps { get; set; }
        public int? Ports { get; set; }
        public int? Count { get; set; }
        public string? Role { get; set; }
    }

    private sealed class StorageYaml
    {
        public string? Kind { get; set; }
        public int SizeGB { get; set; }
        public int? Count { get; set; }
        public string? Role { get; set; }
    }

    private sealed class FirmwareYaml
    {
        public string? Bios { get; set; }
        public string? Bmc { get; set; }
        public string? Nic { get; set; }
    }
}
