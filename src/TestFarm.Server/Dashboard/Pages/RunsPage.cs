using System.Globalization;
using Microsoft.AspNetCore.Http;
using TestFarm.Core.Runs;
using TestFarm.Orchestration.Runs;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary><c>/runs</c>: runs newest first, 50 a page (<c>?page=</c>), filtered by <c>?plan=</c>, <c>?trigger=</c>, <c>?verdict=</c> and <c>?pr=</c>.</summary>
internal static class RunsPage
{
    public const int PageSize = 50;

    public static async Task<IResult> RenderAsync(HttpContext http, SqlFarmStore store, CancellationToken ct,
        string? plan = null, string? trigger = null, string? verdict = null, string? pr = null, string? page = null)
    {
        if (verdict is { Length: > 0 } && !Enum.TryParse<RunState>(verdict, out _))
            return Layout.Error(http, StatusCodes.Status400BadRequest, "Bad filter", $"query 'verdict': '{Api.Problems.Echo(verdict)}' is not a run state; one of {string.Join(", ", Enum.GetNames<RunState>())}");
        int? prNumber = null;
        if (pr is { Length: > 0 })
        {
            if (!int.TryParse(pr.TrimStart('#'), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
                return Layout.Error(http, StatusCodes.Status400BadRequest, "Bad filter", $"query 'pr': '{Api.Problems.Echo(pr)}' is not a pull request number");
            prNumber = n;
        }
        var pageNo = 1;
        if (page is { Length: > 0 } && (!int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out pageNo) || pageNo < 1 || pageNo > 100_000))
            return Layout.Error(http, StatusCodes.Status400BadRequest, "Bad page", $"query 'page': '{Api.Problems.Echo(page)}' must be a number from 1 to 100000");
        var filter = new RunFilter { Plan = Blank(plan), Trigger = Blank(trigger), State = Blank(verdict), PullRequest = prNumber };
        var runs = await store.ListRunPageAsync(filter, (pageNo - 1) * PageSize, PageSize + 1, ct);
        if (prNumber is { } want) runs = [.. runs.Where(r => RunOrigin.FromJson(r.Origin).PullRequest == want)];
        var facets = await store.RunFacetsAsync(ct);
        var body = Render(runs.Take(PageSize).ToList(), facets.Plans, facets.Triggers, filter, pageNo, runs.Count > PageSize);
        var plots = await PlotsAsync(store, facets.Plans, filter, ct);
        return Layout.Page(http, "Runs", "runs", HtmlBuilder.Of($"{body}{plots}"));
    }

    /// <summary>Plans plotted at most (the filtered plan alone when there is one), and runs per plot.</summary>
    public const int PlottedPlans = 6, PlottedRuns = 30;

    /// <summary>Pass rate over the newest finished runs, one plot per plan (the benchmark times it with the list).</summary>
    public static async Task<Html> PlotsAsync(SqlFarmStore store, IReadOnlyList<string> plans, RunFilter filter, CancellationToken ct)
    {
        var h = new HtmlBuilder();
        List<string> shown = filter.Plan is { } one ? [one] : plans.Take(PlottedPlans).ToList();
        h.Add($"""<section aria-labelledby="rates"><h2 id="rates">Pass rate over runs, per plan</h2>""");
        if (plans.Count > shown.Count) h.Add($"""<p class="hint">The first {shown.Count} of {plans.Count} plans; pick a plan above for its own.</p>""");
        var n = 0;
        foreach (var plan in shown)
        {
            var rates = await store.RunPassRatesAsync(plan, PlottedRuns, ct);
            h.Add($"""<h3>{plan}</h3>{Plots.PassRatePlot.Render($"rate-plot-{n++}", $"plan {plan}", rates.Select(r => new Plots.PassRatePoint(r.RunId, r.Started, r.Counted, r.Passed)).ToList())}""");
        }
        h.Add($"</section>");
        return h.Build();
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    /// <summary>The page body (the benchmark renders it over 10,000 runs).</summary>
    public static Html Render(IReadOnlyList<RunRecord> runs, IReadOnlyList<string> plans, IReadOnlyList<string> triggers, RunFilter filter, int page, bool more)
    {
        var h = new HtmlBuilder();
        h.Add($"""<form class="filters" method="get" action="/runs"><label for="f-plan">Plan</label><select id="f-plan" name="plan"><option value="">any</option>""");
        foreach (var p in plans) h.Add($"""<option{Selected(p == filter.Plan)}>{p}</option>""");
        h.Add($"""</select><label for="f-trigger">Trigger</label><select id="f-trigger" name="trigger"><option value="">any</option>""");
        foreach (var t in triggers) h.Add($"""<option{Selected(t == filter.Trigger)}>{t}</option>""");
        h.Add($"""</select><label for="f-verdict">Verdict</label><select id="f-verdict" name="verdict"><option value="">any</option>""");
        foreach (var s in Enum.GetNames<RunState>()) h.Add($"""<option{Selected(s == filter.State)}>{s}</option>""");
        h.Add($"""</select><label for="f-pr">PR</label><input id="f-pr" name="pr" inputmode="numeric" size="6" value="{filter.PullRequest}"><button type="submit">Filter</button> <a href="/runs">Clear</a></form>""");
        if (runs.Count == 0) { h.Add($"""<p class="empty">No run matches.</p>"""); return h.Build(); }
        h.Add($"""<table class="runs"><thead><tr><th scope="col">Run</th><th scope="col">Plan</th><th scope="col">Trigger</th><th scope="col">State</th><th scope="col">Started</th><th scope="col">Took</th><th scope="col">Reason</th></tr></thead><tbody>""");
        foreach (var r in runs)
        {
            var took = r.Finished is { } f ? Layout.Duration((f - r.Started).TotalSeconds) : "running";
            h.Add($"""<tr data-run="{r.Id}"><td><a href="{Links.Run(r.Id)}">{r.Id}</a></td><td><a href="{Links.Query(("plan", r.Plan))}">{r.Plan}</a></td><td>{r.Trigger}</td><td>{Layout.Badge(r.State.ToString())}</td><td>{Layout.Time(r.Started)}</td><td>{took}</td><td>{r.EndReason ?? ""}</td></tr>""");
        }
        h.Add($"</tbody></table>");
        var q = Links.Query(("plan", filter.Plan), ("trigger", filter.Trigger), ("verdict", filter.State), ("pr", filter.PullRequest?.ToString(CultureInfo.InvariantCulture)));
        var sep = q.Length == 0 ? "?" : q + "&";
        h.Add($"""<nav class="pager" aria-label="Pages">""");
        if (page > 1) h.Add($"""<a rel="prev" href="/runs{sep}page={page - 1}">← Newer</a> """);
        h.Add($"<span>page {page}</span>");
        if (more) h.Add($""" <a rel="next" href="/runs{sep}page={page + 1}">Older →</a>""");
        h.Add($"</nav>");
        return h.Build();
    }

    private static Html Selected(bool yes) => yes ? new Html(" selected") : Html.Empty;
}
