using System.Globalization;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>
/// The machine page's inventory from a kept observation: for every part the declared value beside the observed one, when and
/// by what it was observed; rows that differ are highlighted and labelled. Then each observed NIC port, drive and firmware item,
/// and the parts the source could not read.
/// </summary>
internal static class ObservedInventory
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string SourceLabel(InventorySource source) => source switch
    {
        InventorySource.BmcInspection => "BMC inspection (health round, Redfish inventory)",
        _ => "agent report (reimage, the booted machine's own view)",
    };

    public static Html Render(HardwareProfile p, InventoryPanel.Inspection? last, InventoryObservation observed)
    {
        var hw = observed.Hardware;
        var drift = HardwareDrift.Compare(p, hw).ToList();
        // What the last inspection found beyond the parts compared here (build id, provisioning MAC, no drives at all).
        if (last is not null && last.At >= observed.At)
            drift.AddRange(last.Drift.Where(d => !drift.Any(x => x.Component == d.Component)));

        var h = new HtmlBuilder();
        var when = $"{Layout.Time(observed.At)} by {SourceLabel(observed.Source)}";
        if (drift.Count == 0) h.Add($"""<p data-inspection="match" data-source="{observed.Source}">Observed {when}: as declared.</p>""");
        else h.Add($"""<p data-inspection="drift" data-source="{observed.Source}"><strong>Drift:</strong> {drift.Count} differences observed {when}.</p>""");
        if (hw.Manufacturer is not null || hw.Model is not null)
            h.Add($"""<p data-observed="system">System: {hw.Manufacturer ?? "—"} {hw.Model ?? ""}</p>""");
        h.Add($"""<table class="inventory"><thead><tr><th scope="col">Component</th><th scope="col">Declared (profile)</th><th scope="col">Observed {Layout.Time(observed.At)}</th><th scope="col">Status</th></tr></thead><tbody>""");
        var shown = new HashSet<DriftItem>();
        foreach (var (key, label, declared) in InventoryPanel.DeclaredRows(p))
        {
            var found = drift.Where(d => d.Component == key).ToList();
            shown.UnionWith(found);
            var seen = Observed(key, hw);
            if (found.Count > 0)
                h.Add($"""<tr class="drift" data-component="{key}"><th scope="row">{label}</th><td>{declared}</td><td>{seen ?? string.Join("; ", found.Select(d => d.Observed))}</td><td><strong>differs</strong> (expected {string.Join("; ", found.Select(d => d.Expected))}, observed {string.Join("; ", found.Select(d => d.Observed))})</td></tr>""");
            else
                h.Add($"""<tr data-component="{key}"><th scope="row">{label}</th><td>{declared}</td><td>{seen ?? "not reported"}</td><td>{(seen is null ? "not reported by the source" : "matches")}</td></tr>""");
        }
        foreach (var d in drift.Where(d => !shown.Contains(d)))
            h.Add($"""<tr class="drift" data-component="{d.Component}"><th scope="row">{d.Component}</th><td>{d.Expected}</td><td>{d.Observed}</td><td><strong>differs</strong></td></tr>""");
        h.Add($"</tbody></table>");
        Parts(h, hw);
        return h.Build();
    }

    /// <summary>The observed value of one declared row; null when the source did not report it.</summary>
    private static string? Observed(string key, ObservedHardware hw) => key switch
    {
        "cpu.sockets" => hw.ProcessorCount is { } n ? $"{n.ToString(Inv)} × {hw.CpuModel ?? "(model not reported)"}" : hw.CpuModel,
        "cpu.cores" => hw.CoreCount?.ToString(Inv),
        "memory" => hw.MemoryGiB is { } m ? $"{m.ToString("0.#", Inv)} GiB" : null,
        "nics" => hw.Nics.Count > 0 ? $"{hw.Nics.Count.ToString(Inv)} ports" : null,
        "drives" => hw.Drives.Count > 0 ? $"{hw.Drives.Count.ToString(Inv)} drives" : null,
        "drive size" => hw.Drives.Count > 0 && hw.Drives.All(d => d.CapacityBytes is not null)
            ? string.Join(", ", hw.Drives.Select(d => Size(d.CapacityBytes!.Value))) : null,
        "firmware.bios" => hw.Firmware.FirstOrDefault(f => f.Name.Contains("BIOS", StringComparison.OrdinalIgnoreCase))?.Version,
        "firmware.bmc" => hw.Firmware.FirstOrDefault(f => IsBmc(f.Name))?.Version,
        _ when key.StartsWith("nics.driver ", StringComparison.Ordinal) => hw.Nics.Any(n => n.Driver is not null)
            ? $"{hw.Nics.Count(n => n.Driver == key["nics.driver ".Length..]).ToString(Inv)} ports" : null,
        _ => null,
    };

    private static void Parts(HtmlBuilder h, ObservedHardware hw)
    {
        h.Add($"""<h3>Observed parts</h3><table class="inventory-parts"><thead><tr><th scope="col">Part</th><th scope="col">Id</th><th scope="col">Observed</th></tr></thead><tbody>""");
        foreach (var n in hw.Nics)
            h.Add($"""<tr data-part="nic"><th scope="row">NIC port</th><td>{n.Id}</td><td>{Join(n.Mac is null ? null : "MAC " + n.Mac, n.SpeedMbps is { } s ? Speed(s) : null, n.Driver, n.Model)}</td></tr>""");
        foreach (var d in hw.Drives)
            h.Add($"""<tr data-part="drive"><th scope="row">Drive</th><td>{d.Id}</td><td>{Join(d.MediaType, d.Protocol, d.CapacityBytes is { } c ? Size(c) : null, d.Model, d.Serial is null ? null : "serial " + d.Serial)}</td></tr>""");
        foreach (var f in hw.Firmware)
            h.Add($"""<tr data-part="firmware"><th scope="row">Firmware</th><td>{f.Name}</td><td>{f.Version}</td></tr>""");
        if (hw.Nics.Count + hw.Drives.Count + hw.Firmware.Count == 0)
            h.Add($"""<tr><td colspan="3">The source reported no NIC ports, drives or firmware items.</td></tr>""");
        h.Add($"</tbody></table>");
        if (hw.Warnings.Count > 0)
        {
            h.Add($"""<p data-inspection="partial">Partial: the source could not read every part.</p><ul class="warnings">""");
            foreach (var w in hw.Warnings) h.Add($"<li>{w}</li>");
            h.Add($"</ul>");
        }
    }

    private static string Join(params string?[] parts) => parts.Any(p => !string.IsNullOrEmpty(p)) ? string.Join(" · ", parts.Where(p => !string.IsNullOrEmpty(p))) : "—";

    private static string Size(long bytes) => $"{Math.Round(bytes / 1e9).ToString(Inv)} GB";

    private static string Speed(int mbps) => mbps >= 1000 ? $"{(mbps / 1000.0).ToString("0.#", Inv)} Gb/s" : $"{mbps.ToString(Inv)} Mb/s";

    private static bool IsBmc(string name) =>
        name.Contains("BMC", StringComparison.OrdinalIgnoreCase) || name.Contains("iDRAC", StringComparison.OrdinalIgnoreCase) || name.Contains("iLO", StringComparison.OrdinalIgnoreCase);
}
