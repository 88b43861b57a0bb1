using System.Globalization;

namespace TestFarm.Server.Dashboard.Plots;

/// <summary>
/// The plots' shared frame: an inline SVG drawn on the server (no script, no library) that names itself to assistive
/// technology (<c>role="img"</c> with a <c>&lt;title&gt;</c> and a <c>&lt;desc&gt;</c>) and is followed by the same numbers as a
/// table, so nothing is only in the picture. Colours come from attributes, not inline styles (the pages' CSP forbids them).
/// </summary>
internal static class Svg
{
    /// <summary>Distinct colours that hold 3:1 against white (WCAG 1.4.11 for graphics).</summary>
    private static readonly string[] Palette = ["#0969da", "#1a7f37", "#bc4c00", "#8250df", "#cf222e", "#9a6700", "#0550ae", "#57606a", "#bf3989", "#116329"];

    public static string Colour(int index) => Palette[index % Palette.Length];

    /// <summary>A coordinate or value with at most one decimal, invariant.</summary>
    public static string N(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>Opens a figure: the SVG element with its title and description; close it with <see cref="Close"/>.</summary>
    public static void Open(HtmlBuilder h, string id, string kind, int width, int height, string title, string desc) =>
        h.Add($"""<figure class="plot" data-plot="{kind}"><svg id="{id}" role="img" aria-labelledby="{id}-t {id}-d" viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>""");

    /// <summary>Closes the SVG and adds the caption and the table fallback (its header cells, then <paramref name="rows"/>).</summary>
    public static void Close(HtmlBuilder h, string caption, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<Html>> rows)
    {
        h.Add($"""</svg><figcaption>{caption}</figcaption><details class="plot-data"><summary>The numbers</summary><table><thead><tr>""");
        foreach (var head in headers) h.Add($"""<th scope="col">{head}</th>""");
        h.Add($"</tr></thead><tbody>");
        foreach (var row in rows)
        {
            h.Add($"<tr>");
            foreach (var cell in row) h.Add($"<td>{cell}</td>");
            h.Add($"</tr>");
        }
        h.Add($"</tbody></table></details></figure>");
    }

    /// <summary>A table row of plain texts (encoded).</summary>
    public static IReadOnlyList<Html> Row(IEnumerable<string?> texts) => texts.Select(t => HtmlBuilder.Of($"{t}")).ToList();

    /// <summary>A horizontal grid line with its label at the left.</summary>
    public static void GridY(HtmlBuilder h, double y, double x0, double x1, string label) =>
        h.Add($"""<line class="grid" x1="{N(x0)}" y1="{N(y)}" x2="{N(x1)}" y2="{N(y)}" stroke="#d0d7de"/><text x="{N(x0 - 4)}" y="{N(y + 4)}" text-anchor="end" font-size="11" fill="#4a5260">{label}</text>""");

    /// <summary>A label under the x axis.</summary>
    public static void LabelX(HtmlBuilder h, double x, double y, string label) =>
        h.Add($"""<text x="{N(x)}" y="{N(y)}" text-anchor="middle" font-size="11" fill="#4a5260">{label}</text>""");
}
