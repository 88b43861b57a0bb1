using TestFarm.Core.Bmc;

namespace TestFarm.Core.Hardware;

/// <summary>
/// How much of an observed inventory the farm reads and keeps: a BMC or an agent that reports more parts, or longer
/// names, than any server has is broken (or hostile), and its reply is refused instead of stored or shown.
/// </summary>
public static class InventoryLimits
{
    /// <summary>Members of one inventory collection (processors, DIMMs, interfaces, drives, firmware items).</summary>
    public const int MaxMembers = 256;
    /// <summary>NIC ports, drives and firmware items kept per machine.</summary>
    public const int MaxParts = 256;
    /// <summary>Characters of one string value (a model, a serial, an id, a version).</summary>
    public const int MaxString = 256;
    /// <summary>Warnings kept per observation.</summary>
    public const int MaxWarnings = 64;
    /// <summary>Characters of one warning.</summary>
    public const int MaxWarning = 512;

    /// <summary>The first part of <paramref name="hardware"/> beyond the limits, named by its field path; null when within.</summary>
    public static string? Violation(ObservedHardware hardware)
    {
        ArgumentNullException.ThrowIfNull(hardware);
        string? Str(string field, string? value) => value is { Length: > MaxString } ? $"{field}: {value.Length} characters, at most {MaxString}" : null;
        string? Count(string field, int count, int max) => count > max ? $"{field}: {count} items, at most {max}" : null;

        var problems = new List<string?>
        {
            Str("manufacturer", hardware.Manufacturer), Str("model", hardware.Model), Str("cpuModel", hardware.CpuModel),
            Count("nics", hardware.Nics.Count, MaxParts), Count("drives", hardware.Drives.Count, MaxParts),
            Count("firmware", hardware.Firmware.Count, MaxParts), Count("warnings", hardware.Warnings.Count, MaxWarnings),
        };
        for (var i = 0; i < Math.Min(hardware.Nics.Count, MaxParts); i++)
        {
            var n = hardware.Nics[i];
            problems.AddRange([Str($"nics[{i}].id", n.Id), Str($"nics[{i}].mac", n.Mac), Str($"nics[{i}].driver", n.Driver), Str($"nics[{i}].model", n.Model)]);
        }
        for (var i = 0; i < Math.Min(hardware.Drives.Count, MaxParts); i++)
        {
            var d = hardware.Drives[i];
            problems.AddRange([Str($"drives[{i}].id", d.Id), Str($"drives[{i}].mediaType", d.MediaType), Str($"drives[{i}].protocol", d.Protocol),
                Str($"drives[{i}].model", d.Model), Str($"drives[{i}].serial", d.Serial)]);
        }
        for (var i = 0; i < Math.Min(hardware.Firmware.Count, MaxParts); i++)
            problems.AddRange([Str($"firmware[{i}].name", hardware.Firmware[i].Name), Str($"firmware[{i}].version", hardware.Firmware[i].Version)]);
        for (var i = 0; i < Math.Min(hardware.Warnings.Count, MaxWarnings); i++)
            if (hardware.Warnings[i].Length > MaxWarning) problems.Add($"warnings[{i}]: {hardware.Warnings[i].Length} characters, at most {MaxWarning}");
        return problems.FirstOrDefault(p => p is not null);
    }
}
