using TestFarm.Server.Dashboard.Pages;
using TestFarm.Server.Api;

namespace TestFarm.Server.Dashboard.Plots;

/// <summary>
/// The run page's phase durations per cell: one stacked bar per cell, a segment per pipeline phase (reserve … release, the
/// steps inside a phase not counted twice), all bars on one time scale. A phase still running has no length yet and is left out.
/// Each segment carries its phase and seconds (<c>data-phase</c>, <c>data-seconds</c>) and a tooltip; the table repeats them.
/// </summary>
internal static class PhasePlot
{
    private const int Width = 760, Left = 200, Right = 60, Row = 24, Top = 8, Bar = 16;

    public static Html Render(string runId, IReadOnlyList<CellView> cells)
    {
        if (cells.Count == 0) return HtmlBuilder.Of($"""<p class="empty">No cell has started yet.</p>""");
        var rows = cells.Select(c => (c.CellId, Phases: c.Phases.Where(p => !p.Phase.Contains('/', StringComparison.Ordinal) && p.DurationSeconds is not null).ToList())).ToList();
        var phases = rows.SelectMany(r => r.Phases.Select(p => p.Phase)).Distinct(StringComparer.Ordinal).ToList();
        var longest = Math.Max(1e-9, rows.Max(r => r.Phases.Sum(p => p.DurationSeconds!.Value)));
        var scale = (Width - Left - Right) / longest;
        var legendY = Top + rows.Count * Row + 26;
        var height = legendY + 16;
        var slowest = rows.MaxBy(r => r.Phases.Sum(p => p.DurationSeconds!.Value));

        var h = new HtmlBuilder();
        Svg.Open(h, "phase-plot", "phases", Width, height, $"Phase durations per cell of run {runId}",
            $"{rows.Count} cells; the longest, {slowest.CellId}, took {Layout.Duration(slowest.Phases.Sum(p => p.DurationSeconds!.Value))} over its finished phases.");
        for (var i = 0; i < rows.Count; i++)
        {
            var (cell, done) = rows[i];
            var y = Top + i * Row;
            var total = done.Sum(p => p.DurationSeconds!.Value);
            h.Add($"""<g data-cell="{cell}" data-total="{Svg.N(total)}"><text x="{Left - 6}" y="{y + 12}" text-anchor="end" font-size="12" fill="#1b1f24">{Trim(cell)}</text>""");
            var x = (double)Left;
            foreach (var p in done)
            {
                var w = p.DurationSeconds!.Value * scale;
                var colour = p.State == "Failed" ? "#cf222e" : Svg.Colour(phases.IndexOf(p.Phase));
                h.Add($"""<rect x="{Svg.N(x)}" y="{y}" width="{Svg.N(Math.Max(w, 0.5))}" height="{Bar}" fill="{colour}" data-phase="{p.Phase}" data-seconds="{Svg.N(p.DurationSeconds.Value)}"><title>{cell} · {p.Phase} ({p.State}): {Layout.Duration(p.DurationSeconds)}</title></rect>""");
                x += w;
            }
            h.Add($"""<text x="{Svg.N(x + 4)}" y="{y + 12}" font-size="11" fill="#4a5260">{Layout.Duration(total)}</text></g>""");
        }
        var axisY = Top + rows.Count * Row + 2;
        h.Add($"""<line x1="{Left}" y1="{axisY}" x2="{Width - Right}" y2="{axisY}" stroke="#8c959f"/>""");
        Svg.LabelX(h, Left, axisY + 13, "0");
        Svg.LabelX(h, Width - Right, axisY + 13, Layout.Duration(longest));
        var lx = (double)Left;
        for (var i = 0; i < phases.Count; i++)
        {
            h.Add($"""<rect x="{Svg.N(lx)}" y="{legendY}" width="10" height="10" fill="{Svg.Colour(i)}"/><text x="{Svg.N(lx + 13)}" y="{legendY + 9}" font-size="11" fill="#1b1f24">{phases[i]}</text>""");
            lx += 20 + 7 * phases[i].Length;
        }
        Svg.Close(h, "Finished phases of each cell, stacked on one time scale (failed phases in red).",
            ["Cell", .. phases, "Total (s)"],
            rows.Select(r => Svg.Row([r.CellId, .. phases.Select(ph => r.Phases.Any(p => p.Phase == ph) ? Svg.N(r.Phases.Where(p => p.Phase == ph).Sum(p => p.DurationSeconds!.Value)) : "—"),
                Svg.N(r.Phases.Sum(p => p.DurationSeconds!.Value))])));
        return h.Build();
    }

    private static string Trim(string cell) => cell.Length <= 30 ? cell : "…" + cell[^29..];
}
