using TestFarm.Core.Hardware;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace TestFarm.Lab.LabHost;

/// <summary>
/// A small reader of <c>hardware-profiles/&lt;name&gt;.yaml</c> for the lab, until the farm's
/// configuration loader is plugged in (the lab itself takes <c>IReadOnlyList&lt;HardwareProfile&gt;</c>).
/// Errors name the file, line and column.
/// </summary>
public static class ProfileFileReader
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance).IgnoreUnmatchedProperties().Build();

    /// <summary>Loads each named profile from <paramref name="directory"/>; the built-in lab profiles answer to their names.</summary>
    public static IReadOnlyList<HardwareProfile> Load(IEnumerable<string> names, string directory)
    {
        var profiles = new List<HardwareProfile>();
        foreach (var name in names)
        {
            var path = Path.Combine(directory, name + ".yaml");
            if (File.Exists(path)) profiles.Add(Read(path));
            else if (name == DefaultProfiles.GenericAmd64.Name) profiles.Add(DefaultProfiles.GenericAmd64);
            else if (name == DefaultProfiles.QemuAmd64.Name) profiles.Add(DefaultProfiles.QemuAmd64);
            else throw new FileNotFoundException($"hardware profile '{name}' not found at {path}", path);
        }
        return profiles;
    }

    public static HardwareProfile Read(string path)
    {
        ProfileDoc doc;
        try
        {
            using var reader = File.OpenText(path);
            doc = Yaml.Deserialize<ProfileDoc>(reader) ?? throw new InvalidDataException($"{path}:1:1: empty profile");
        }
        catch (YamlException ex)
        {
            throw new InvalidDataException($"{path}:{ex.Start.Line}:{ex.Start.Column}: {ex.Message}", ex);
        }
        string Need(string? value, string field) => value ?? throw new InvalidDataException($"{path}: {field} is required");
        return new HardwareProfile
        {
            Name = Need(doc.Name, "name"),
            Arch = Enum<CpuArchitecture>(Need(doc.Arch, "arch"), path, "arch"),
            Cpu = new CpuSpec { Vendor = Need(doc.Cpu?.Vendor, "cpu.vendor"), Model = Need(doc.Cpu?.Model, "cpu.model"), Sockets = doc.Cpu!.Sockets ?? 1, Cores = doc.Cpu.Cores ?? 1 },
            MemoryGiB = doc.MemoryGiB ?? throw new InvalidDataException($"{path}: memoryGiB is required"),
            Nics = [.. (doc.Nics ?? []).Select((n, i) => new NicSpec
            {
                Vendor = n.Vendor ?? "unknown", Model = n.Model ?? "unknown", Driver = n.Driver ?? "unknown", SpeedGbps = n.SpeedGbps ?? 1,
                Ports = n.Ports ?? 1, Count = n.Count ?? 1, Role = n.Role is null ? NicRole.Data : Enum<NicRole>(n.Role, path, $"nics[{i}].role"),
            })],
            Storage = [.. (doc.Storage ?? []).Select((s, i) => new StorageSpec
            {
                Kind = Enum<StorageKind>(Need(s.Kind, $"storage[{i}].kind"), path, $"storage[{i}].kind"), SizeGB = s.SizeGB ?? 0, Count = s.Count ?? 1,
                Role = s.Role is null ? StorageRole.Scratch : Enum<StorageRole>(s.Role, path, $"storage[{i}].role"),
            })],
            Firmware = new FirmwareSpec { Bios = doc.Firmware?.Bios, Bmc = doc.Firmware?.Bmc, Nic = doc.Firmware?.Nic },
            Boot = new BootSpec
            {
                Modes = doc.Boot?.Modes is { } modes ? [.. modes.Select(m => Enum<BootMode>(m, path, "boot.modes"))] : [BootMode.Uefi],
                Methods = doc.Boot?.Methods is { } methods ? [.. methods.Select(m => Enum<BootMethod>(m, path, "boot.methods"))] : [BootMethod.Pxe],
            },
            Labels = doc.Labels ?? new Dictionary<string, string>(),
        };
    }

    private static T Enum<T>(string value, string path, string field) where T : struct, System.Enum =>
        System.Enum.TryParse<T>(value.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var parsed)
            ? parsed
            : throw new InvalidDataException($"{path}: {field} '{value}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}");

    private sealed class ProfileDoc
    {
        public string? Name { get; set; }
        public string? Arch { get; set; }
        public CpuDoc? Cpu { get; set; }
        public int? MemoryGiB { get; set; }
        public List<NicDoc>? Nics { get; set; }
        public List<StorageDoc>? Storage { get; set; }
        public FirmwareDoc? Firmware { get; set; }
        public BootDoc? Boot { get; set; }
        public Dictionary<string, string>? Labels { get; set; }
    }

    private sealed class CpuDoc { public string? Vendor { get; set; } public string? Model { get; set; } public int? Sockets { get; set; } public int? Cores { get; set; } }

    private sealed class NicDoc
    {
        public string? Vendor { get; set; } public string? Model { get; set; } public string? Driver { get; set; }
        public int? SpeedGbps { get; set; } public int? Ports { get; set; } public int? Count { get; set; } public string? Role { get; set; }
    }

    private sealed class StorageDoc { public string? Kind { get; set; } public int? SizeGB { get; set; } public int? Count { get; set; } public string? Role { get; set; } }

    private sealed class FirmwareDoc { public string? Bios { get; set; } public string? Bmc { get; set; } public string? Nic { get; set; } }

    private sealed class BootDoc { public List<string>? Modes { get; set; } public List<string>? Methods { get; set; } }
}
