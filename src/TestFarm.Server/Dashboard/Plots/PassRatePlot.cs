using TestFarm.Server.Dashboard.Pages;
namespace TestFarm.Server.Dashboard.Plots;

/// <summary>One run's point on a pass-rate plot: its id, start, and the counted (non-skipped) and passed tests.</summary>
internal sealed record PassRatePoint(string RunId, DateTimeOffset Started, int Counted, int Passed)
{
    public double? Rate => Counted == 0 ? null : 100.0 * Passed / Counted;
}

/// <summary>
/// Pass rate over runs, oldest left: a line through each run's rate (0–100 %), every point a link to its run carrying
/// <c>data-run</c> and <c>data-rate</c>; a run that counted no test is a gap. The table repeats the numbers.
/// </summary>
internal static class PassRatePlot
{
    private const int Width = 760, Height = 150, Left = 44, Right = 16, Top = 10, Bottom = 26;

    private static string Runs(int n) => n == 1 ? "1 run" : $"{n.ToString(System.Globalization.CultureInfo.InvariantCulture)} runs";

    public static Html Render(string id, string subject, IReadOnlyList<PassRatePoint> points)
    {
        if (points.Count == 0) return HtmlBuilder.Of($"""<p class="empty">No finished run of {subject} to plot yet.</p>""");
        var rated = points.Where(p => p.Rate is not null).ToList();
        var desc = rated.Count == 0 ? $"{points.Count} runs, none of which counted a test."
            : $"{Runs(points.Count)} from {Layout.Time(points[0].Started)} to {Layout.Time(points[^1].Started)}: newest {Svg.N(rated[^1].Rate!.Value)}%, lowest {Svg.N(rated.Min(p => p.Rate!.Value))}%, mean {Svg.N(rated.Average(p => p.Rate!.Value))}%.";
        var h = new HtmlBuilder();
        Svg.Open(h, id, "pass-rate", Width, Height, $"Pass rate over runs of {subject}", desc);
        var plotH = Height - Top - Bottom;
        double Y(double rate) => Top + plotH * (1 - rate / 100);
        double X(int i) => points.Count == 1 ? (Left + Width - Right) / 2.0 : Left + (Width - Left - Right) * i / (double)(points.Count - 1);
        foreach (var g in new[] { 0, 50, 100 }) Svg.GridY(h, Y(g), Left, Width - Right, $"{g}%");

        // The line, broken where a run counted no test.
        var segment = new List<string>();
        void Flush()
        {
            if (segment.Count > 1) h.Add($"""<polyline fill="none" stroke="#0969da" stroke-width="2" points="{string.Join(' ', segment)}"/>""");
            segment.Clear();
        }
        for (var i = 0; i < points.Count; i++)
        {
            if (points[i].Rate is { } r) segment.Add($"{Svg.N(X(i))},{Svg.N(Y(r))}");
            else Flush();
        }
        Flush();
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (p.Rate is not { } r) continue;
            var colour = r >= 100 ? "#1a7f37" : r >= 80 ? "#9a6700" : "#cf222e";
            h.Add($"""<a href="{Links.Run(p.RunId)}" data-run="{p.RunId}" data-rate="{Svg.N(r)}" aria-label="{p.RunId}: {Svg.N(r)}% ({p.Passed} of {p.Counted})"><circle cx="{Svg.N(X(i))}" cy="{Svg.N(Y(r))}" r="4" fill="{colour}"><title>{p.RunId} ({Layout.Time(p.Started)}): {Svg.N(r)}%, {p.Passed} of {p.Counted} passed</title></circle></a>""");
        }
        Svg.LabelX(h, X(0), Height - 8, Layout.Time(points[0].Started)[..16]);
        if (points.Count > 1) Svg.LabelX(h, X(points.Count - 1), Height - 8, Layout.Time(points[^1].Started)[..16]);
        Svg.Close(h, $"Pass rate of the newest {Runs(points.Count)} of {subject} (passed or flaky over tests not skipped), oldest left.",
            ["Run", "Started", "Passed", "Counted", "Pass rate"],
            points.Select(p => Svg.Row([p.RunId, Layout.Time(p.Started), Svg.N(p.Passed), Svg.N(p.Counted), p.Rate is { } r ? Svg.N(r) + "%" : "—"])));
        return h.Build();
    }
}
