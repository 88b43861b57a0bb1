using TestFarm.Core.Bmc;

namespace TestFarm.Core.Hardware;

/// <summary>
/// Compares declared hardware with what a BMC or a boot agent observed. Only what was observed is
/// compared: an unknown value (null, or an empty list when the source could not read it) is not drift.
/// </summary>
public static class HardwareDrift
{
    public static IReadOnlyList<DriftItem> Compare(HardwareProfile profile, ObservedHardware observed)
    {
        var drift = new List<DriftItem>();
        var cores = profile.Cpu.Cores * profile.Cpu.Sockets;
        if (observed.ProcessorCount is { } sockets && sockets != profile.Cpu.Sockets)
            drift.Add(new("cpu.sockets", profile.Cpu.Sockets.ToString(Inv), sockets.ToString(Inv)));
        if (observed.CoreCount is { } seenCores && seenCores != cores)
            drift.Add(new("cpu.cores", cores.ToString(Inv), seenCores.ToString(Inv)));
        if (observed.MemoryGiB is { } mem && Math.Abs(mem - profile.MemoryGiB) > Math.Max(1.0, profile.MemoryGiB * 0.05))
            drift.Add(new("memory", $"{profile.MemoryGiB} GiB", $"{mem:0.#} GiB"));

        var ports = profile.Nics.Sum(n => n.Count * n.Ports);
        if (observed.Nics.Count > 0 && observed.Nics.Count != ports)
            drift.Add(new("nics", $"{ports} ports", $"{observed.Nics.Count} ports"));
        foreach (var driver in profile.Nics.Select(n => n.Driver).Distinct(StringComparer.Ordinal))
        {
            var expected = profile.Nics.Where(n => n.Driver == driver).Sum(n => n.Count * n.Ports);
            var seen = observed.Nics.Count(n => n.Driver == driver);
            if (observed.Nics.Any(n => n.Driver is not null) && seen != expected)
                drift.Add(new($"nics.driver {driver}", $"{expected} ports", $"{seen} ports"));
        }

        var drives = profile.Storage.Sum(s => s.Count);
        if (observed.Drives.Count > 0 && observed.Drives.Count != drives)
            drift.Add(new("drives", $"{drives} drives", $"{observed.Drives.Count} drives"));
        CompareSizes(profile, observed, drift);
        CompareFirmware(profile, observed, drift);
        return drift;
    }

    private static void CompareSizes(HardwareProfile profile, ObservedHardware observed, List<DriftItem> drift)
    {
        if (observed.Drives.Count == 0 || observed.Drives.Any(d => d.CapacityBytes is null)) return;
        // Sizes are declared in GB (10^9); a drive matches when it is within 3% of a declared size.
        var expected = profile.Storage.SelectMany(s => Enumerable.Repeat(s.SizeGB, s.Count)).Order().ToList();
        var seen = observed.Drives.Select(d => (int)Math.Round(d.CapacityBytes!.Value / 1e9)).Order().ToList();
        foreach (var size in seen)
        {
            var match = expected.FindIndex(e => Math.Abs(e - size) <= e * 0.03 + 1);
            if (match >= 0) expected.RemoveAt(match);
            else drift.Add(new("drive size", "one of the declared sizes", $"{size} GB"));
        }
    }

    private static void CompareFirmware(HardwareProfile profile, ObservedHardware observed, List<DriftItem> drift)
    {
        void Check(string component, string? declared, Func<ObservedFirmware, bool> pick)
        {
            if (declared is null) return;
            var seen = observed.Firmware.FirstOrDefault(pick);
            if (seen is not null && !string.Equals(seen.Version, declared, StringComparison.OrdinalIgnoreCase))
                drift.Add(new($"firmware.{component}", declared, seen.Version));
        }

        Check("bios", profile.Firmware.Bios, f => f.Name.Contains("BIOS", StringComparison.OrdinalIgnoreCase));
        Check("bmc", profile.Firmware.Bmc, f => f.Name.Contains("BMC", StringComparison.OrdinalIgnoreCase)
                                              || f.Name.Contains("iDRAC", StringComparison.OrdinalIgnoreCase)
                                              || f.Name.Contains("iLO", StringComparison.OrdinalIgnoreCase));
    }

    private static readonly IFormatProvider Inv = System.Globalization.CultureInfo.InvariantCulture;
}
