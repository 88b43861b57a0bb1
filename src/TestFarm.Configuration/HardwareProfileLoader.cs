using TestFarm.Core.Hardware;

namespace TestFarm.Configuration;

/// <summary>Loads <c>hardware-profiles/*.yaml</c> into <see cref="HardwareProfile"/>, collecting every error.</summary>
public static class HardwareProfileLoader
{
    public static readonly IReadOnlyList<string> TopLevelKeys =
        ["name", "arch", "cpu", "memoryGiB", "nics", "storage", "firmware", "boot", "labels"];

    private static readonly string[] CpuKeys = ["vendor", "model", "sockets", "cores"];
    private static readonly string[] NicKeys = ["vendor", "model", "driver", "speedGbps", "ports", "count", "role"];
    private static readonly string[] StorageKeys = ["kind", "sizeGB", "count", "role"];
    private static readonly string[] FirmwareKeys = ["bios", "bmc", "nic", "postSeconds"];
    private static readonly string[] BootKeys = ["modes", "methods", "fastTrack"];

    /// <summary>The profile, or null when a required part is missing; <paramref name="errors"/> gets every problem.</summary>
    public static Loaded<HardwareProfile>? Load(string file, string text, ICollection<ConfigError> errors)
    {
        var reader = new YamlReader(file);
        var result = Read(reader, reader.Parse(text));
        reader.Flush(errors);
        return result is null ? null : new Loaded<HardwareProfile>(result, file, reader.Positions);
    }

    private static HardwareProfile? Read(YamlReader reader, YamlDotNet.RepresentationModel.YamlNode? root)
    {
        if (reader.Map(root, "", TopLevelKeys) is not { } f) return null;
        var name = reader.Slug(f, "name");
        var arch = f.Enum<CpuArchitecture>("arch", required: true);
        var cpu = ReadCpu(f.Map("cpu", CpuKeys, required: true));
        var memory = f.Int("memoryGiB", required: true, min: 1);

        var nics = new List<NicSpec>();
        var nicItems = f.Items("nics");
        for (var i = 0; i < nicItems.Count; i++)
        {
            if (reader.Map(nicItems[i], $"nics[{i}]", NicKeys) is not { } n) continue;
            var nic = new { Vendor = n.Str("vendor", true), Model = n.Str("model", true), Driver = n.Str("driver", true), Speed = n.Int("speedGbps", true, 1) };
            var ports = n.Int("ports", min: 1);
            var count = n.Int("count", min: 1);
            var role = n.Enum<NicRole>("role");
            if (nic.Vendor is null || nic.Model is null || nic.Driver is null || nic.Speed is null) continue;
            nics.Add(new NicSpec
            {
                Vendor = nic.Vendor, Model = nic.Model, Driver = nic.Driver, SpeedGbps = nic.Speed.Value,
                Ports = ports ?? 1, Count = count ?? 1, Role = role ?? NicRole.Data,
            });
        }

        var storage = new List<StorageSpec>();
        var storageItems = f.Items("storage");
        for (var i = 0; i < storageItems.Count; i++)
        {
            if (reader.Map(storageItems[i], $"storage[{i}]", StorageKeys) is not { } s) continue;
            var kind = s.Enum<StorageKind>("kind", true);
            var size = s.Int("sizeGB", true, 1);
            var count = s.Int("count", min: 1);
            var role = s.Enum<StorageRole>("role");
            if (kind is null || size is null) continue;
            storage.Add(new StorageSpec { Kind = kind.Value, SizeGB = size.Value, Count = count ?? 1, Role = role ?? StorageRole.Scratch });
        }

        var firmware = new FirmwareSpec();
        if (f.Map("firmware", FirmwareKeys) is { } fw)
            firmware = new FirmwareSpec { Bios = fw.Str("bios"), Bmc = fw.Str("bmc"), Nic = fw.Str("nic"), PostSeconds = PostSeconds(fw) ?? 0 };

        var boot = new BootSpec();
        if (f.Map("boot", BootKeys) is { } b)
        {
            var modes = b.Enums<BootMode>("modes");
            var methods = b.Enums<BootMethod>("methods");
            var fastTrack = b.Bool("fastTrack");
            boot = new BootSpec { Modes = modes.Count > 0 ? modes : boot.Modes, Methods = methods.Count > 0 ? methods : boot.Methods, FastTrack = fastTrack ?? true };
        }
        var labels = f.StringMap("labels");

        if (name is null || arch is null || cpu is null || memory is null) return null;
        return new HardwareProfile
        {
            Name = name, Arch = arch.Value, Cpu = cpu, MemoryGiB = memory.Value,
            Nics = nics, Storage = storage, Firmware = firmware, Boot = boot, Labels = labels,
        };
    }

    /// <summary>0..<see cref="FirmwareSpec.MaxPostSeconds"/>; negative and absurd values are errors at the value.</summary>
    private static int? PostSeconds(Fields fw)
    {
        var value = fw.Int("postSeconds", min: 0);
        if (value is > FirmwareSpec.MaxPostSeconds)
        {
            fw.Reader.Error(fw.Get("postSeconds")!, $"'firmware.postSeconds' must be at most {FirmwareSpec.MaxPostSeconds} (30 minutes), was {value}");
            return null;
        }
        return value;
    }

    private static CpuSpec? ReadCpu(Fields? c)
    {
        if (c is null) return null;
        var vendor = c.Str("vendor", true);
        var model = c.Str("model", true);
        var sockets = c.Int("sockets", min: 1);
        var cores = c.Int("cores", true, 1);
        if (vendor is null || model is null || cores is null) return null;
        return new CpuSpec { Vendor = vendor, Model = model, Sockets = sockets ?? 1, Cores = cores.Value };
    }
}
