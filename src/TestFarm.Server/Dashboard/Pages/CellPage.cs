using Microsoft.AspNetCore.Http;
using TestFarm.Server.Dashboard.Access;
using TestFarm.Server.Auth;
using TestFarm.Core.Results;
using TestFarm.Server.Api;
using TestFarm.Server.Dashboard.Logs;
using TestFarm.Server.Reports;
using TestFarm.Server.Runs;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>
/// <c>/runs/{id}/cells/{cell}</c>: the phase timeline (growing live), the cell's logs, each machine's serial console,
/// suite results with failure messages, and the cell's artifacts.
/// </summary>
internal static class CellPage
{
    public static async Task<IResult> RenderAsync(string id, string cell, HttpContext http, RunViews views, RunFileCatalog files, SqlFarmStore store,
        ConsoleLogs consoles, CancellationToken ct)
    {
        (id, cell) = (Links.Segment(http, 1, 1), Links.Segment(http, 3));
        if (await views.GetAsync(id, ct) is not { } run) return Layout.NotFound(http, $"no run '{Problems.Echo(id)}'");
        if (run.Cells.FirstOrDefault(c => c.CellId == cell) is not { } c)
            return Layout.NotFound(http, $"run {id} has no cell '{Problems.Echo(cell)}' (yet); its cells are {string.Join(", ", run.Cells.Select(x => x.CellId))}");
        var machines = c.Machines.Count > 0 ? c.Machines
            : (await store.ListLeasesAsync(activeOnly: true, ct)).Where(l => RequestRef.Cell(l.RequestId) is { } r && r.Run == id && r.Cell == cell).SelectMany(l => l.Machines).ToList();
        var artifacts = files.Describe(run.Id, [cell]).Cells.FirstOrDefault(f => f.Cell == cell)?.Artifacts ?? [];
        var h = new HtmlBuilder();
        h.Add($"""<div data-live="/live/runs/{Links.Esc(run.Id)}"><p>Run <a href="{Links.Run(run.Id)}">{run.Id}</a> ({run.Plan}) · verdict <span data-cell-verdict="{cell}">{Layout.Badge(c.Verdict ?? "Running")}</span> · profile <a href="{Links.Fleet(null, c.Profile)}">{c.Profile}</a> · topology {c.Topology} · machines """);
        foreach (var m in machines) h.Add($"""<a href="{Links.Machine(m)}">{m}</a> """);
        h.Add($"""</p><section aria-labelledby="timeline"><h2 id="timeline">Phases</h2>{PhaseList.Render(run.Id, cell, c.Phases)}</section></div>""");
        if (c.Verdict is "Failed" or "InfraError" && DashboardSession.Current(http) is { Role: >= ApiRole.Operator })
            h.Add($"{ReservationsPage.LikeThisForm(http, run.Id, cell)}");

        var logs = artifacts.Where(a => a.Path.EndsWith(".log", StringComparison.OrdinalIgnoreCase) || a.Path.EndsWith(".txt", StringComparison.OrdinalIgnoreCase)).ToList();
        h.Add($"""<section aria-labelledby="logs"><h2 id="logs">Cell logs</h2>""");
        if (logs.Count == 0) h.Add($"""<p class="empty">The cell has kept no log yet.</p>""");
        var live = c.Verdict is null;
        var n = 0;
        foreach (var log in logs)
            h.Add($"""<h3>{log.Path} <small>{log.Size} bytes</small></h3>{LogViewer.Render(Links.CellLog(run.Id, $"{Reporting.RunReports.SafeName(cell)}/{log.Path}"), $"log-{n++}", live)}""");
        h.Add($"</section>");

        h.Add($"""<section aria-labelledby="consoles"><h2 id="consoles">Machine consoles</h2>""");
        var anyConsole = false;
        foreach (var m in machines.Where(m => consoles.PathFor(m) is not null))
        {
            anyConsole = true;
            h.Add($"""<h3><a href="{Links.Machine(m)}">{m}</a> serial console</h3>{LogViewer.Render(Links.ConsoleLog(m), $"console-{n++}", live)}""");
        }
        if (!anyConsole) h.Add($"""<p class="empty">No serial console log for these machines (simulated machines have none).</p>""");
        h.Add($"</section>");

        h.Add($"""<section aria-labelledby="results"><h2 id="results">Suite results ({c.Results.Count})</h2>""");
        foreach (var suite in c.Results.GroupBy(t => t.Suite).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            h.Add($"""<h3>{suite.Key}</h3><table class="results"><thead><tr><th scope="col">Test</th><th scope="col">Verdict</th><th scope="col">Took</th><th scope="col">Message</th></tr></thead><tbody>""");
            foreach (var t in suite.OrderByDescending(t => RunPage.Rank(t.Verdict)).ThenBy(t => t.Name, StringComparer.Ordinal))
                h.Add($"""<tr><td><a href="{Links.Test(t.TestId)}">{t.Name}</a></td><td>{Layout.Badge(t.Verdict.ToString())}</td><td>{Layout.Duration(t.Duration.TotalSeconds)}</td><td class="msg">{(t.Verdict is Verdict.Passed or Verdict.Skipped ? "" : t.Message ?? "")}</td></tr>""");
            h.Add($"</tbody></table>");
        }
        h.Add($"</section>");

        h.Add($"""<section aria-labelledby="artifacts"><h2 id="artifacts">Artifacts ({artifacts.Count})</h2>""");
        if (artifacts.Count == 0) h.Add($"""<p class="empty">No artifact kept (yet).</p>""");
        else
        {
            h.Add($"""<ul class="links">""");
            foreach (var a in artifacts) h.Add($"""<li><a href="{a.Url}">{a.Path}</a> <small>{a.Size} bytes · {a.ContentType}</small></li>""");
            h.Add($"</ul>");
        }
        h.Add($"</section>");
        return Layout.Page(http, $"Cell {cell}", "runs", h.Build());
    }
}
