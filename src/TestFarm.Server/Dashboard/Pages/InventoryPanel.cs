using System.Globalization;
using System.Text.RegularExpressions;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Machines;
using TestFarm.Core.Provisioning;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>
/// The machine page's inventory: the profile's declared hardware (CPU, memory, NICs, disks, firmware) beside what the
/// machine's last inspection saw, differences highlighted. The farm keeps inspections as their drift (what differed,
/// <see cref="DriftItem"/>): a health round's inventory check (the BMC's inventory; passed means as declared) and a reimage's
/// verification (the boot agent's inventory; a drift sends the machine to Suspect with the items in its event). The newer
/// of the two is the last inspection; a component it does not name matched. The observed inventory itself is kept since
/// (<see cref="InventoryObservation"/>): when there is one, the panel shows its values beside the declared ones.
/// </summary>
internal static partial class InventoryPanel
{
    /// <summary>The last inspection: when, by what, and what differed (empty: as declared).</summary>
    public sealed record Inspection(DateTimeOffset At, string Source, IReadOnlyList<DriftItem> Drift);

    public static Inspection? Last(IReadOnlyList<HealthRecord> rounds, IEnumerable<AuditEvent> events)
    {
        var health = rounds.OrderByDescending(r => r.At).Select(r => (r.At, Check: r.Checks.FirstOrDefault(c => c.Check == "inventory")))
            .Where(x => x.Check is not null)
            .Select(x => new Inspection(x.At, "health round (BMC inventory)", x.Check!.Passed ? [] : Parse(x.Check.Detail)))
            .FirstOrDefault();
        var reimage = events.Where(e => e.Kind == "machine" && e.To == nameof(MachineState.Suspect) && Parse(e.Reason).Count > 0)
            .OrderByDescending(e => e.Seq).Select(e => new Inspection(e.At, "reimage verification (boot agent's inventory)", Parse(e.Reason)))
            .FirstOrDefault();
        return health is null ? reimage : reimage is null || health.At >= reimage.At ? health : reimage;
    }

    /// <summary>The drift items in a text that joins them with "; " (<see cref="DriftItem.ToString"/>), maybe after a prefix.</summary>
    public static IReadOnlyList<DriftItem> Parse(string? text) => text is null ? []
        : [.. Item().Matches(text).Select(m => new DriftItem(m.Groups["c"].Value, m.Groups["e"].Value, m.Groups["o"].Value))];

    [GeneratedRegex(@"(?:^|; |: )(?<c>cpu\.sockets|cpu\.cores|memory|nics(?:\.driver [^:;]+)?|drives|drive size|firmware\.[a-z]+|build id|provisioning mac): expected (?<e>.+?), observed (?<o>.+?)(?=; |$)")]
    private static partial Regex Item();

    /// <summary>The profile's parts as rows: the drift component each is judged by, its label and the declared value.</summary>
    internal static List<(string Key, string Label, string Declared)> DeclaredRows(HardwareProfile p)
    {
        var inv = CultureInfo.InvariantCulture;
        var rows = new List<(string Key, string Label, string Declared)>
        {
            ("cpu.sockets", "CPU sockets", $"{p.Cpu.Sockets} × {p.Cpu.Vendor} {p.Cpu.Model}"),
            ("cpu.cores", "CPU cores", (p.Cpu.Cores * p.Cpu.Sockets).ToString(inv)),
            ("memory", "Memory", $"{p.MemoryGiB.ToString(inv)} GiB"),
            ("nics", "NIC ports", $"{p.Nics.Sum(n => n.Count * n.Ports).ToString(inv)} ports"),
        };
        foreach (var driver in p.Nics.Select(n => n.Driver).Distinct(StringComparer.Ordinal))
        {
            var nics = p.Nics.Where(n => n.Driver == driver).ToList();
            rows.Add(($"nics.driver {driver}", $"NICs ({driver})", $"{nics.Sum(n => n.Count * n.Ports).ToString(inv)} ports: {string.Join(", ", nics.Select(n => $"{n.Count} × {n.Vendor} {n.Model} {n.SpeedGbps} Gb/s"))}"));
        }
        rows.Add(("drives", "Disks", $"{p.Storage.Sum(s => s.Count).ToString(inv)} drives: {string.Join(", ", p.Storage.Select(s => $"{s.Count} × {s.Kind} {s.SizeGB} GB"))}"));
        rows.Add(("drive size", "Disk sizes", string.Join(", ", p.Storage.Select(s => $"{s.SizeGB} GB"))));
        rows.Add(("firmware.bios", "Firmware: BIOS", p.Firmware.Bios ?? "not declared"));
        rows.Add(("firmware.bmc", "Firmware: BMC", p.Firmware.Bmc ?? "not declared"));
        return rows;
    }

    /// <summary>
    /// Declared against observed for every part. With a kept <paramref name="observed"/> inventory: its values, its time and
    /// source, the drift computed from it (plus what the last inspection found beyond the parts, e.g. the build id). Without one
    /// (a machine inspected before the farm kept inventories): the last inspection's drift, the rest "as declared".
    /// </summary>
    public static Html Render(HardwareProfile p, Inspection? last, InventoryObservation? observed = null)
    {
        if (observed is not null) return ObservedInventory.Render(p, last, observed);
        var h = new HtmlBuilder();
        var drift = last?.Drift ?? [];
        if (last is null) h.Add($"""<p class="hint" data-inspection="none">Not yet inspected: the farm has no observed inventory of this machine (a health round's BMC inventory or a reimage's agent report keeps one).</p>""");
        else if (drift.Count == 0) h.Add($"""<p data-inspection="match">Last inspected {Layout.Time(last.At)} by a {last.Source}: as declared.</p>""");
        else h.Add($"""<p data-inspection="drift"><strong>Drift:</strong> {drift.Count} differences found {Layout.Time(last.At)} by a {last.Source}.</p>""");
        h.Add($"""<table class="inventory"><thead><tr><th scope="col">Component</th><th scope="col">Declared (profile)</th><th scope="col">Last inspected</th><th scope="col">Status</th></tr></thead><tbody>""");
        var shown = new HashSet<DriftItem>();
        foreach (var (key, label, declared) in DeclaredRows(p))
        {
            var found = drift.Where(d => d.Component == key).ToList();
            shown.UnionWith(found);
            if (found.Count == 0)
                h.Add($"""<tr data-component="{key}"><th scope="row">{label}</th><td>{declared}</td><td>{(last is null ? "—" : "as declared")}</td><td>{(last is null ? "not yet inspected" : "matches")}</td></tr>""");
            else
                h.Add($"""<tr class="drift" data-component="{key}"><th scope="row">{label}</th><td>{declared}</td><td>{string.Join("; ", found.Select(d => d.Observed))}</td><td><strong>differs</strong> (expected {string.Join("; ", found.Select(d => d.Expected))})</td></tr>""");
        }
        foreach (var d in drift.Where(d => !shown.Contains(d)))
            h.Add($"""<tr class="drift" data-component="{d.Component}"><th scope="row">{d.Component}</th><td>{d.Expected}</td><td>{d.Observed}</td><td><strong>differs</strong></td></tr>""");
        h.Add($"</tbody></table>");
        return h.Build();
    }
}
