using System.Globalization;
using TestFarm.Core.Hardware;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;

namespace TestFarm.Core.Scheduling;

/// <summary>Decides whether a machine satisfies a selector. Swappable for the shared Core SelectorMatcher.</summary>
public interface IMachineMatcher
{
    bool Matches(MachineRecord machine, HardwareProfile profile, Selector selector);
}

/// <summary>
/// A minimal matcher: <c>name</c>, <c>arch</c>, <c>cpu.vendor</c>, <c>cpu.model</c>, <c>nics.driver|vendor|model</c>,
/// <c>storage.kind</c>, <c>labels.K</c> (profile labels), <c>memoryGiB</c> (at least). All terms must hold, case-insensitive.
/// </summary>
public sealed class SimpleMachineMatcher : IMachineMatcher
{
    public static readonly SimpleMachineMatcher Instance = new();

    public bool Matches(MachineRecord machine, HardwareProfile profile, Selector selector)
    {
        foreach (var (key, value) in selector.Match)
        {
            if (!Term(profile, key, value)) return false;
        }
        return true;
    }

    private static bool Term(HardwareProfile p, string key, string value)
    {
        bool Eq(string? s) => string.Equals(s, value, StringComparison.OrdinalIgnoreCase);
        return key switch
        {
            "name" or "profile" => Eq(p.Name),
            "arch" => Eq(p.Arch.ToString()),
            "cpu.vendor" => Eq(p.Cpu.Vendor),
            "cpu.model" => Eq(p.Cpu.Model),
            "nics.driver" => p.Nics.Any(n => Eq(n.Driver)),
            "nics.vendor" => p.Nics.Any(n => Eq(n.Vendor)),
            "nics.model" => p.Nics.Any(n => Eq(n.Model)),
            "storage.kind" => p.Storage.Any(s => Eq(s.Kind.ToString())),
            "memoryGiB" => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var m) && p.MemoryGiB >= m,
            _ when key.StartsWith("labels.", StringComparison.Ordinal) =>
                p.Labels.TryGetValue(key["labels.".Length..], out var v) && string.Equals(v, value, StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }
}
