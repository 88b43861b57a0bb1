using TestFarm.Server.Dashboard.Pages;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Dashboard.Plots;

/// <summary>
/// The queue's length over a window (the last 24 h on <c>/queue</c>), from the requests' history: a request waits from its
/// submission until its grant (or its end without one). Drawn as a step line; the table gives each hour's peak.
/// </summary>
internal static class QueuePlot
{
    private const int Width = 760, Height = 150, Left = 44, Right = 16, Top = 10, Bottom = 26;

    /// <summary>The length as steps: (time, length from then on), starting at <paramref name="from"/>; one step per change.</summary>
    public static IReadOnlyList<(DateTimeOffset At, int Length)> Steps(IReadOnlyList<QueueWait> waits, DateTimeOffset from, DateTimeOffset to)
    {
        var changes = new List<(DateTimeOffset At, int Delta)>();
        var initial = 0;
        foreach (var w in waits)
        {
            var left = w.Left ?? DateTimeOffset.MaxValue;
            if (w.Submitted >= to || left <= from || left <= w.Submitted) continue;
            if (w.Submitted <= from) initial++;
            else changes.Add((w.Submitted, +1));
            if (left < to) changes.Add((left, -1));
        }
        var steps = new List<(DateTimeOffset, int)> { (from, initial) };
        var length = initial;
        foreach (var group in changes.GroupBy(c => c.At).OrderBy(g => g.Key))
        {
            var next = length + group.Sum(c => c.Delta);
            if (next == length) continue;
            length = next;
            steps.Add((group.Key, length));
        }
        return steps;
    }

    public static Html Render(IReadOnlyList<QueueWait> waits, DateTimeOffset from, DateTimeOffset to)
    {
        var steps = Steps(waits, from, to);
        var peak = steps.MaxBy(s => s.Length);
        var now = steps[^1].Length;
        var top = Math.Max(1, peak.Length);
        var span = Math.Max(1, (to - from).TotalSeconds);
        double X(DateTimeOffset t) => Left + (Width - Left - Right) * (t - from).TotalSeconds / span;
        double Y(int n) => Top + (Height - Top - Bottom) * (1 - n / (double)top);

        var h = new HtmlBuilder();
        Svg.Open(h, "queue-plot", "queue", Width, Height, "Requests waiting in the queue over the last 24 hours",
            peak.Length == 0 ? "Nothing waited in this window." : $"Peak {peak.Length} waiting at {Layout.Time(peak.At)}; {now} waiting now; {steps.Count - 1} changes.");
        Svg.GridY(h, Y(0), Left, Width - Right, "0");
        Svg.GridY(h, Y(top), Left, Width - Right, Svg.N(top));
        var path = new System.Text.StringBuilder();
        path.Append(System.Globalization.CultureInfo.InvariantCulture, $"M{Svg.N(X(from))},{Svg.N(Y(steps[0].Length))}");
        for (var i = 1; i < steps.Count; i++)
            path.Append(System.Globalization.CultureInfo.InvariantCulture, $" H{Svg.N(X(steps[i].At))} V{Svg.N(Y(steps[i].Length))}");
        path.Append(System.Globalization.CultureInfo.InvariantCulture, $" H{Svg.N(X(to))}");
        h.Add($"""<path d="{path.ToString()}" fill="none" stroke="#0969da" stroke-width="2" data-peak="{peak.Length}" data-now="{now}" data-steps="{steps.Count - 1}"/>""");
        for (var t = new DateTimeOffset(from.Year, from.Month, from.Day, from.Hour, 0, 0, TimeSpan.Zero).AddHours(1); t < to; t = t.AddHours(1))
            if (t.Hour % 3 == 0) Svg.LabelX(h, X(t), Height - 8, t.UtcDateTime.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));

        var hours = new List<IReadOnlyList<Html>>();
        for (var start = from; start < to; start = start.AddHours(1))
        {
            var end = start.AddHours(1) < to ? start.AddHours(1) : to;
            var inHour = steps.Where((s, i) => s.At < end && (i + 1 == steps.Count || steps[i + 1].At > start)).Select(s => s.Length).DefaultIfEmpty(0).Max();
            hours.Add(Svg.Row([$"{Layout.Time(start)} to {Layout.Time(end)[11..]}", Svg.N(inHour)]));
        }
        Svg.Close(h, "Requests waiting (submitted, not yet granted), over the last 24 hours, UTC.", ["Hour", "Most waiting"], hours);
        return h.Build();
    }
}
