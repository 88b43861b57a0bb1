using Microsoft.AspNetCore.Http;
using TestFarm.Core.Results;
using TestFarm.Server.Api;
using TestFarm.Server.Reports;
using TestFarm.Server.Runs;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>
/// <c>/runs/{id}</c>: state and verdict, pass rate, the matrix of cells × suites with verdicts and counts, new failures,
/// each cell's phases (live while the run goes), and links to the reports.
/// </summary>
internal static class RunPage
{
    public static async Task<IResult> RenderAsync(string id, HttpContext http, RunViews views, RunFileCatalog files, CancellationToken ct)
    {
        id = Links.Segment(http, 1, 1);
        if (await views.GetAsync(id, ct) is not { } run) return Layout.NotFound(http, $"no run '{Problems.Echo(id)}'");
        var reports = files.Describe(run.Id, run.Cells.Select(c => c.CellId));
        var h = new HtmlBuilder();
        var tests = run.Cells.SelectMany(c => c.Results).ToList();
        var counted = tests.Count(t => t.Verdict != Verdict.Skipped);
        var passed = tests.Count(t => t.Verdict is Verdict.Passed or Verdict.Flaky);
        h.Add($"""<div class="runhead" data-live="/live/runs/{Links.Esc(run.Id)}"><p>State <span data-run-state>{Layout.Badge(run.State)}</span> · plan <a href="/runs?plan={Links.Esc(run.Plan)}">{run.Plan}</a> · trigger {run.Trigger} · started {Layout.Time(run.Started)} · finished <span data-run-finished>{Layout.Time(run.Finished)}</span></p>""");
        if (run.StateReason is { } why) h.Add($"""<p class="reason">{why}</p>""");
        h.Add($"""<p class="passrate">Pass rate <strong>{(counted == 0 ? "—" : FormattableString.Invariant($"{100.0 * passed / counted:F1}%"))}</strong> ({passed} of {counted} tests; {tests.Count(t => t.Verdict == Verdict.Failed)} failed, {tests.Count(t => t.Verdict == Verdict.InfraError)} infra, {tests.Count(t => t.Verdict == Verdict.Flaky)} flaky)</p></div>""");

        h.Add($"""<section aria-labelledby="phase-durations"><h2 id="phase-durations">Phase durations</h2>{Plots.PhasePlot.Render(run.Id, run.Cells)}</section>""");

        h.Add($"""<section aria-labelledby="reports"><h2 id="reports">Reports</h2><ul class="links">""");
        foreach (var (label, url) in new[] { ("HTML report", reports.Html), ("Markdown", reports.Markdown), ("JUnit", reports.Junit), ("Allure results (zip)", reports.Allure), ("run.json", reports.RunJson) })
            h.Add(url is null ? HtmlBuilder.Of($"""<li>{label}: not written yet</li>""") : HtmlBuilder.Of($"""<li><a href="{url}">{label}</a></li>"""));
        h.Add($"</ul></section>");

        var suites = tests.Select(t => t.Suite).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        h.Add($"""<section aria-labelledby="matrix"><h2 id="matrix">Cells × suites</h2><table class="matrix"><thead><tr><th scope="col">Cell</th><th scope="col">Profile</th><th scope="col">Verdict</th><th scope="col">Phases</th>""");
        foreach (var s in suites) h.Add($"""<th scope="col">{s}</th>""");
        h.Add($"</tr></thead><tbody>");
        foreach (var c in run.Cells)
        {
            h.Add($"""<tr data-cell="{c.CellId}"><th scope="row"><a href="{Links.Cell(run.Id, c.CellId)}">{c.CellId}</a></th><td>{c.Profile}</td><td data-cell-verdict="{c.CellId}">{Layout.Badge(c.Verdict ?? "Running")}</td><td>{PhaseList.Render(run.Id, c.CellId, c.Phases, compact: true)}</td>""");
            foreach (var s in suites)
            {
                var inSuite = c.Results.Where(t => t.Suite == s).ToList();
                if (inSuite.Count == 0) { h.Add($"""<td class="none">—</td>"""); continue; }
                var worst = inSuite.Select(t => t.Verdict).OrderBy(Rank).Last();
                h.Add($"""<td>{Layout.Badge(worst.ToString())} {inSuite.Count(t => t.Verdict is Verdict.Passed or Verdict.Flaky)}/{inSuite.Count}</td>""");
            }
            h.Add($"</tr>");
        }
        h.Add($"</tbody></table></section>");

        var fresh = run.Cells.SelectMany(c => c.Results.Where(t => t.Tags.Contains(Regression.NewFailure)).Select(t => (c.CellId, t))).ToList();
        var failing = run.Cells.SelectMany(c => c.Results.Where(t => t.Verdict is Verdict.Failed or Verdict.InfraError).Select(t => (c.CellId, t))).ToList();
        h.Add($"""<section aria-labelledby="failures"><h2 id="failures">Failures ({failing.Count}; new {fresh.Count})</h2>""");
        if (failing.Count == 0) h.Add($"""<p class="empty">No test failed.</p>""");
        else
        {
            h.Add($"""<ul class="failures">""");
            foreach (var (cell, t) in failing.Take(200))
                h.Add($"""<li>{Layout.Badge(t.Verdict.ToString())} {(t.Tags.Contains(Regression.NewFailure) ? new Html("<strong>new</strong> ") : Html.Empty)}<a href="{Links.Test(t.TestId)}">{t.Name}</a> in <a href="{Links.Cell(run.Id, cell)}">{cell}</a>: {t.Message ?? ""}</li>""");
            h.Add($"</ul>");
        }
        h.Add($"</section>");
        return Layout.Page(http, $"Run {run.Id}", "runs", h.Build());
    }

    /// <summary>Worse verdicts rank higher: skipped &lt; passed &lt; flaky &lt; failed &lt; infra-error.</summary>
    public static int Rank(Verdict v) => v switch { Verdict.Skipped => 0, Verdict.Passed => 1, Verdict.Flaky => 2, Verdict.Failed => 3, _ => 4 };
}
