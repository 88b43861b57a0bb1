using System.Globalization;
using System.Net;
using System.Text;
using TestFarm.Core.Results;

namespace TestFarm.Reporting.Qualification;

/// <summary>Inline SVG plots: phase durations per cell (stacked bars) and chaos recovery times (bars).</summary>
public static class SvgCharts
{
    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#e15759", "#bab0ac"];

    public static string PhaseDurations(IReadOnlyList<CellResult> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var phases = cells.SelectMany(c => c.Phases).Select(p => p.Phase).Distinct(StringComparer.Ordinal).ToList();
        var max = cells.Select(c => c.Phases.Sum(p => p.Duration.TotalSeconds)).DefaultIfEmpty(0).Max();
        if (phases.Count == 0 || max <= 0) return "<p>No phase timings.</p>";
        const int labelWidth = 260, barWidth = 480, row = 24;
        var height = cells.Count * row + 40;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg role=\"img\" aria-label=\"Duration per phase\" width=\"{labelWidth + barWidth + 80}\" height=\"{height}\">");
        for (var i = 0; i < cells.Count; i++)
        {
            var y = i * row + 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 14}\" font-size=\"12\">{E(cells[i].Profile + "/" + cells[i].Topology)}</text>");
            double x = labelWidth;
            foreach (var phase in cells[i].Phases)
            {
                var w = phase.Duration.TotalSeconds / max * barWidth;
                var color = Palette[phases.IndexOf(phase.Phase) % Palette.Length];
                svg.Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{x:0.#}\" y=\"{y}\" width=\"{w:0.#}\" height=\"18\" fill=\"{color}\"{(phase.Succeeded ? "" : " stroke=\"#c00\" stroke-width=\"2\"")}><title>{E(phase.Phase)}: {Fmt(phase.Duration)}</title></rect>");
                x += w;
            }
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 4:0.#}\" y=\"{y + 14}\" font-size=\"11\">{Fmt(TimeSpan.FromSeconds(cells[i].Phases.Sum(p => p.Duration.TotalSeconds)))}</text>");
        }
        double lx = 0;
        foreach (var phase in phases)
        {
            var color = Palette[phases.IndexOf(phase) % Palette.Length];
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{lx}\" y=\"{height - 24}\" width=\"12\" height=\"12\" fill=\"{color}\"/><text x=\"{lx + 16}\" y=\"{height - 14}\" font-size=\"11\">{E(phase)}</text>");
            lx += 24 + phase.Length * 7;
        }
        return svg.Append("</svg>").ToString();
    }

    public static string Recoveries(IReadOnlyList<CellResult> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var bars = cells.SelectMany(c => c.Recoveries.Select(r => (Label: $"{c.Profile}/{c.Topology}: {r.Key}", Time: r.Value))).ToList();
        if (bars.Count == 0) return "<p>No chaos recoveries measured.</p>";
        var max = bars.Max(b => b.Time.TotalSeconds);
        const int labelWidth = 360, barWidth = 400, row = 22;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg role=\"img\" aria-label=\"Chaos recovery times\" width=\"{labelWidth + barWidth + 80}\" height=\"{bars.Count * row + 8}\">");
        for (var i = 0; i < bars.Count; i++)
        {
            var y = i * row + 4;
            var w = max <= 0 ? 0 : bars[i].Time.TotalSeconds / max * barWidth;
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"0\" y=\"{y + 13}\" font-size=\"12\">{E(bars[i].Label)}</text><rect x=\"{labelWidth}\" y=\"{y}\" width=\"{w:0.#}\" height=\"16\" fill=\"#4e79a7\"/><text x=\"{labelWidth + w + 4:0.#}\" y=\"{y + 13}\" font-size=\"11\">{Fmt(bars[i].Time)}</text>");
        }
        return svg.Append("</svg>").ToString();
    }

    public static string Fmt(TimeSpan t) => t.TotalSeconds < 120
        ? t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s"
        : t.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " min";

    public static string Percent(double rate) => (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
