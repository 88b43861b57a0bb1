using TestFarm.Server.Api;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>
/// A cell's phases as a timeline (reserve … release), each with its state and duration, bars scaled to the longest.
/// The live script (dashboard.js) rebuilds the same markup from the SSE stream's phase events.
/// </summary>
internal static class PhaseList
{
    public static Html Render(string runId, string cellId, IReadOnlyList<PhaseView> phases, bool compact = false)
    {
        var h = new HtmlBuilder();
        var longest = Math.Max(1, phases.Max(p => p.DurationSeconds ?? 0, 0));
        h.Add($"""<ol class="phases{(compact ? " compact" : "")}" data-phases="{cellId}" data-run="{runId}" aria-live="polite">""");
        // The run's matrix shows the pipeline's phases; the cell's timeline also the steps inside them (reimage/power-off …).
        foreach (var p in compact ? phases.Where(p => !p.Phase.Contains('/', StringComparison.Ordinal)) : phases)
        {
            var width = 5 * (int)Math.Round(20 * (p.DurationSeconds ?? 0) / longest);
            h.Add($"""<li class="ph p-{p.State}{(p.Phase.Contains('/', StringComparison.Ordinal) ? " sub" : "")}" data-phase="{p.Phase}"><span class="pname">{p.Phase}</span> <span class="pstate">{p.State}</span> <span class="pdur">{Layout.Duration(p.DurationSeconds)}</span>""");
            if (!compact) h.Add($"""<span class="bar w-{width}"></span>""");
            if (!compact && p.Error is { } e) h.Add($"""<span class="perr">{e}</span>""");
            h.Add($"</li>");
        }
        h.Add($"</ol>");
        return h.Build();
    }
}

internal static class EnumerableMax
{
    public static double Max<T>(this IEnumerable<T> items, Func<T, double> value, double empty) => items.Select(value).DefaultIfEmpty(empty).Max();
}
