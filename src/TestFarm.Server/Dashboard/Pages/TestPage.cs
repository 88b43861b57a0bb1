using Microsoft.AspNetCore.Http;
using TestFarm.Server.Api;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>
/// <c>/tests/{test}</c>: a test's newest outcomes across runs and profiles (pass / fail / flaky / infra per run), its
/// flaky and failure rates, the run where its current failing streak began and the last run where it passed.
/// </summary>
internal static class TestPage
{
    public const int Window = 200;

    public static async Task<IResult> RenderAsync(string test, HttpContext http, SqlFarmStore store, CancellationToken ct)
    {
        test = Links.Segment(http, 1);
        if (test.Length > 1000) return Layout.Error(http, StatusCodes.Status400BadRequest, "Bad test id", $"path 'test': at most 1000 characters, was {test.Length}");
        var history = await store.TestHistoryAsync(test, Window, ct);
        if (history.Count == 0) return Layout.NotFound(http, $"no result recorded for test '{Problems.Echo(test)}'");
        var h = new HtmlBuilder();
        var name = history[0].Name;
        var counted = history.Where(e => e.Verdict != "Skipped").ToList();
        double Rate(string v) => counted.Count == 0 ? 0 : 100.0 * counted.Count(e => e.Verdict == v) / counted.Count;
        var lastPass = history.FirstOrDefault(e => e.Verdict is "Passed");
        // The current failing streak: newest entries that failed, back to the last pass; its oldest is "first failing".
        var streak = history.TakeWhile(e => e.Verdict is "Failed" or "InfraError" or "Skipped").Where(e => e.Verdict != "Skipped").ToList();
        var firstFailing = streak.LastOrDefault();
        h.Add($"""<p class="testname">{name} <small>({history[0].Suite}; id {test})</small></p>""");
        h.Add($"""<dl class="kv"><dt>Outcomes</dt><dd>{history.Count} in the newest {Window} (runs × cells)</dd>""");
        h.Add($"""<dt>Flaky rate</dt><dd>{FormattableString.Invariant($"{Rate("Flaky"):F1}%")}</dd><dt>Failure rate</dt><dd>{FormattableString.Invariant($"{Rate("Failed"):F1}%")} (infra {FormattableString.Invariant($"{Rate("InfraError"):F1}%")})</dd>""");
        h.Add($"""<dt>Last passing</dt><dd>{(lastPass is null ? new Html("never in this window") : RunLink(lastPass))}</dd>""");
        h.Add($"""<dt>First failing</dt><dd>{(firstFailing is null ? new Html("not failing now") : RunLink(firstFailing))}</dd></dl>""");

        h.Add($"""<section aria-labelledby="byprofile"><h2 id="byprofile">By profile</h2><table><thead><tr><th scope="col">Profile</th><th scope="col">Passed</th><th scope="col">Failed</th><th scope="col">Flaky</th><th scope="col">Infra</th><th scope="col">Skipped</th></tr></thead><tbody>""");
        foreach (var g in history.GroupBy(e => e.Profile).OrderBy(g => g.Key, StringComparer.Ordinal))
            h.Add($"""<tr><th scope="row"><a href="{Links.Fleet(null, g.Key)}">{g.Key}</a></th><td>{g.Count(e => e.Verdict == "Passed")}</td><td>{g.Count(e => e.Verdict == "Failed")}</td><td>{g.Count(e => e.Verdict == "Flaky")}</td><td>{g.Count(e => e.Verdict == "InfraError")}</td><td>{g.Count(e => e.Verdict == "Skipped")}</td></tr>""");
        h.Add($"</tbody></table></section>");

        h.Add($"""<section aria-labelledby="rate"><h2 id="rate">Pass rate over runs</h2>{Plots.PassRatePlot.Render("test-rate-plot", name, Points(history))}</section>""");

        h.Add($"""<section aria-labelledby="history"><h2 id="history">History</h2><p class="strip" aria-hidden="true">""");
        foreach (var e in history.AsEnumerable().Reverse()) h.Add($"""<span class="dot b-{e.Verdict}" title="{e.RunId} {e.Profile}: {e.Verdict}"></span>""");
        h.Add($"""</p><table class="history"><thead><tr><th scope="col">Run</th><th scope="col">Started</th><th scope="col">Plan</th><th scope="col">Cell</th><th scope="col">Profile</th><th scope="col">Verdict</th><th scope="col">Took</th></tr></thead><tbody>""");
        foreach (var e in history)
            h.Add($"""<tr><td><a href="{Links.Run(e.RunId)}">{e.RunId}</a></td><td>{Layout.Time(e.Started)}</td><td>{e.Plan}</td><td><a href="{Links.Cell(e.RunId, e.CellId)}">{e.CellId}</a></td><td>{e.Profile}</td><td>{Layout.Badge(e.Verdict)}</td><td>{Layout.Duration(e.DurationMs / 1000.0)}</td></tr>""");
        h.Add($"</tbody></table></section>");
        return Layout.Page(http, $"Test {name}", "runs", h.Build());
    }

    /// <summary>The test's outcomes per run (all its cells in that run together), oldest run first.</summary>
    public static IReadOnlyList<Plots.PassRatePoint> Points(IReadOnlyList<TestRunEntry> history) =>
        history.GroupBy(e => e.RunId, StringComparer.Ordinal)
            .Select(g => new Plots.PassRatePoint(g.Key, g.First().Started, g.Count(e => e.Verdict != "Skipped"), g.Count(e => e.Verdict is "Passed" or "Flaky")))
            .OrderBy(p => p.Started).ThenBy(p => p.RunId, StringComparer.Ordinal).ToList();

    private static Html RunLink(TestRunEntry e) =>
        HtmlBuilder.Of($"""<a href="{Links.Run(e.RunId)}">{e.RunId}</a> ({Layout.Time(e.Started)}, <a href="{Links.Cell(e.RunId, e.CellId)}">{e.Profile}</a>)""");
}
