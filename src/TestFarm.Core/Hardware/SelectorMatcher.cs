using System.Globalization;
using TestFarm.Core.Configuration;
using TestFarm.Core.Plans;
using TestFarm.Core.Pool;

namespace TestFarm.Core.Hardware;

/// <summary>
/// Matches a <see cref="Selector"/> against a hardware profile and, optionally, a pool machine.
/// Every term must hold. Values compare case-insensitively; numeric fields also accept
/// <c>&gt;=N</c>, <c>&lt;=N</c>, <c>&gt;N</c>, <c>&lt;N</c>. List fields (nics, storage, boot) hold when any element matches.
/// <c>labels.k</c> looks at the machine's labels first, then the profile's. Machine fields
/// (<c>id</c>, <c>location.*</c>) hold for any machine when no machine is given.
/// </summary>
public static class SelectorMatcher
{
    private static readonly Dictionary<string, Func<HardwareProfile, IEnumerable<string?>>> ProfileFields = new(StringComparer.Ordinal)
    {
        ["name"] = p => [p.Name],
        ["arch"] = p => [Names.Kebab(p.Arch)],
        ["cpu.vendor"] = p => [p.Cpu.Vendor],
        ["cpu.model"] = p => [p.Cpu.Model],
        ["cpu.sockets"] = p => [Num(p.Cpu.Sockets)],
        ["cpu.cores"] = p => [Num(p.Cpu.Cores)],
        ["memoryGiB"] = p => [Num(p.MemoryGiB)],
        ["nics.vendor"] = p => p.Nics.Select(n => n.Vendor),
        ["nics.model"] = p => p.Nics.Select(n => n.Model),
        ["nics.driver"] = p => p.Nics.Select(n => n.Driver),
        ["nics.speedGbps"] = p => p.Nics.Select(n => Num(n.SpeedGbps)),
        ["nics.role"] = p => p.Nics.Select(n => Names.Kebab(n.Role)),
        ["storage.kind"] = p => p.Storage.Select(s => Names.Kebab(s.Kind)),
        ["storage.role"] = p => p.Storage.Select(s => Names.Kebab(s.Role)),
        ["storage.sizeGB"] = p => p.Storage.Select(s => Num(s.SizeGB)),
        ["firmware.bios"] = p => [p.Firmware.Bios],
        ["firmware.bmc"] = p => [p.Firmware.Bmc],
        ["firmware.nic"] = p => [p.Firmware.Nic],
        ["boot.modes"] = p => p.Boot.Modes.Select(m => Names.Kebab(m)),
        ["boot.methods"] = p => p.Boot.Methods.Select(m => Names.Kebab(m)),
    };

    private static readonly Dictionary<string, Func<PoolMachine, string>> MachineFields = new(StringComparer.Ordinal)
    {
        ["id"] = m => m.Id,
        ["location.site"] = m => m.Location.Site,
        ["location.rack"] = m => m.Location.Rack,
        ["location.l2Domain"] = m => m.Location.L2Domain,
    };

    /// <summary>Every field a selector may name, besides <c>labels.&lt;key&gt;</c>.</summary>
    public static IReadOnlyList<string> Keys { get; } =
        [.. ProfileFields.Keys.Order(StringComparer.Ordinal), .. MachineFields.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Whether <paramref name="key"/> is a field a selector may name.</summary>
    public static bool IsKnownKey(string key) =>
        ProfileFields.ContainsKey(key) || MachineFields.ContainsKey(key) || (key.StartsWith("labels.", StringComparison.Ordinal) && key.Length > 7);

    public static bool Matches(Selector selector, HardwareProfile profile, PoolMachine? machine = null) =>
        selector.Match.All(term => Holds(term.Key, term.Value, profile, machine));

    /// <summary>"arch=arm64, nics.driver=mlx5_core", or "any" for the empty selector.</summary>
    public static string Describe(Selector selector) =>
        selector.Match.Count == 0 ? "any" : string.Join(", ", selector.Match.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));

    private static bool Holds(string key, string expected, HardwareProfile profile, PoolMachine? machine)
    {
        if (ProfileFields.TryGetValue(key, out var field)) return field(profile).Any(v => ValueMatches(v, expected));
        if (MachineFields.TryGetValue(key, out var mfield)) return machine is null || ValueMatches(mfield(machine), expected);
        if (key.StartsWith("labels.", StringComparison.Ordinal))
        {
            var label = key[7..];
            if (machine is not null && machine.Labels.TryGetValue(label, out var mv)) return ValueMatches(mv, expected);
            return profile.Labels.TryGetValue(label, out var pv) && ValueMatches(pv, expected);
        }
        return false;
    }

    private static bool ValueMatches(string? actual, string expected)
    {
        if (actual is null) return false;
        foreach (var (op, compare) in Comparisons)
        {
            if (!expected.StartsWith(op, StringComparison.Ordinal)) continue;
            return double.TryParse(expected[op.Length..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var bound)
                   && double.TryParse(actual, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                   && compare(value, bound);
        }
        return string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase);
    }

    private static readonly (string Op, Func<double, double, bool> Compare)[] Comparisons =
    [
        (">=", (a, b) => a >= b), ("<=", (a, b) => a <= b), (">", (a, b) => a > b), ("<", (a, b) => a < b),
    ];

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);
}
