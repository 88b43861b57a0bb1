using System.Globalization;
using System.Net;
using System.Text;
using TestFarm.Core.GitHub;
using TestFarm.Core.Results;

namespace TestFarm.Reporting.Qualification;

/// <summary>One self-contained HTML file: inline CSS and SVG, no scripts, no external assets; all text encoded.</summary>
public static class HtmlReport
{
    private const string Css = """
        body{font-family:system-ui,sans-serif;margin:24px;color:#222}h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left;vertical-align:top}
        th{background:#f4f4f4}.v-passed{background:#d4f4d4}.v-failed{background:#f8c8c8}.v-infra-error{background:#ffe0a8}
        .v-flaky{background:#e6dcf8}.v-skipped{background:#eee;color:#777}.kpi{display:inline-block;margin-right:24px;font-size:15px}
        .kpi b{font-size:22px;display:block}code{font-size:12px}details{margin:6px 0}
        """;

    public static string Render(QualificationData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var run = data.Run;
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
         .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">")
         .Append(CultureInfo.InvariantCulture, $"<title>{E(data.Title)}</title><style>{Css}</style></head><body>\n")
         .Append(CultureInfo.InvariantCulture, $"<h1>{E(data.Title)}</h1>\n<p>Run <code>{E(run.RunId)}</code>, trigger {E(run.Trigger)}, {E(Time(run.Started))} – {E(Time(run.Finished))}")
         .Append(data.Previous is null ? "" : $", compared with run <code>{E(data.Previous.RunId)}</code>").Append("</p>\n");
        h.Append(CultureInfo.InvariantCulture, $"<div><span class=\"kpi\"><b id=\"pass-rate\">{Percent(data.PassRate)}</b>pass rate</span>")
         .Append(CultureInfo.InvariantCulture, $"<span class=\"kpi\"><b>{data.Passed}/{data.Counted}</b>tests passed</span>")
         .Append(CultureInfo.InvariantCulture, $"<span class=\"kpi\"><b>{run.Cells.Count}</b>cells</span>")
         .Append(CultureInfo.InvariantCulture, $"<span class=\"kpi\"><b>{data.NewFailures.Count}</b>new failures</span></div>\n");
        Matrix(h, data);
        Cells(h, run);
        TestList(h, "Failing tests", data.Failing);
        TestList(h, "New failures", data.NewFailures);
        TestList(h, "Fixed", data.Fixed);
        TestList(h, "Still failing", data.StillFailing);
        TestList(h, "Flaky tests", data.Flaky);
        TestList(h, "Quarantined tests", data.Quarantined);
        h.Append("<h2>Duration per phase</h2>\n").Append(SvgCharts.PhaseDurations(run.Cells))
         .Append("\n<h2>Chaos recovery times</h2>\n").Append(SvgCharts.Recoveries(run.Cells));
        Evidence(h, run);
        return h.Append("\n</body></html>\n").ToString();
    }

    private static void Matrix(StringBuilder h, QualificationData data)
    {
        h.Append("<h2>Matrix</h2>\n<table id=\"matrix\"><tr><th>profile</th>");
        foreach (var suite in data.Suites) h.Append(CultureInfo.InvariantCulture, $"<th>{E(suite)}</th>");
        h.Append("<th>pass rate</th></tr>\n");
        foreach (var profile in data.Profiles)
        {
            h.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(profile)}</th>");
            int passed = 0, total = 0;
            foreach (var suite in data.Suites)
            {
                if (!data.Matrix.TryGetValue((profile, suite), out var entry)) { h.Append("<td>–</td>"); continue; }
                passed += entry.Passed; total += entry.Total;
                var verdict = CheckSummary.VerdictName(entry.Worst);
                h.Append(CultureInfo.InvariantCulture, $"<td class=\"v-{verdict}\" title=\"{E(verdict)}\">{E(verdict)} {entry.Passed}/{entry.Total}</td>");
            }
            h.Append(CultureInfo.InvariantCulture, $"<td>{(total == 0 ? "–" : Percent((double)passed / total))}</td></tr>\n");
        }
        h.Append("</table>\n");
    }

    private static void Cells(StringBuilder h, RunResult run)
    {
        h.Append("<h2>Cells</h2>\n<table id=\"cells\"><tr><th>cell</th><th>arch</th><th>verdict</th><th>build</th><th>machines</th><th>failed phase</th></tr>\n");
        foreach (var cell in run.Cells)
        {
            var verdict = CheckSummary.VerdictName(cell.Verdict);
            var failed = cell.Phases.FirstOrDefault(p => !p.Succeeded);
            h.Append(CultureInfo.InvariantCulture,
                $"<tr><td><code>{E(cell.CellId)}</code></td><td>{E(cell.Arch)}</td><td class=\"v-{verdict}\">{E(verdict)}</td><td>{E(cell.BuildId ?? "")}</td><td>{E(string.Join(", ", cell.Machines))}</td><td>{E(failed is null ? "" : $"{failed.Phase}: {failed.Error}")}</td></tr>\n");
        }
        h.Append("</table>\n");
    }

    private static void TestList(StringBuilder h, string title, IReadOnlyList<TestLine> lines)
    {
        h.Append(CultureInfo.InvariantCulture, $"<h2>{E(title)} ({lines.Count})</h2>\n");
        if (lines.Count == 0) { h.Append("<p>None.</p>\n"); return; }
        h.Append("<table><tr><th>cell</th><th>suite</th><th>test</th><th>verdict</th><th>message</th></tr>\n");
        foreach (var line in lines)
        {
            var verdict = CheckSummary.VerdictName(line.Verdict);
            h.Append(CultureInfo.InvariantCulture,
                $"<tr><td><code>{E(line.CellId)}</code></td><td>{E(line.Suite)}</td><td>{E(line.Name)}</td><td class=\"v-{verdict}\">{E(verdict)}</td><td>{E(line.Message ?? "")}</td></tr>\n");
        }
        h.Append("</table>\n");
    }

    private static void Evidence(StringBuilder h, RunResult run)
    {
        h.Append("<h2>Evidence per cell</h2>\n");
        foreach (var cell in run.Cells)
        {
            h.Append(CultureInfo.InvariantCulture, $"<details open><summary><code>{E(cell.CellId)}</code></summary><table>");
            foreach (var (key, value) in cell.Evidence.OrderBy(e => e.Key, StringComparer.Ordinal))
                h.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(key)}</th><td><code>{E(value)}</code></td></tr>");
            h.Append(CultureInfo.InvariantCulture, $"<tr><th>reimage path</th><td>{ReimagePaths(cell)}</td></tr>");
            h.Append(CultureInfo.InvariantCulture, $"<tr><th>hardware drift</th><td>{(cell.Drift.Count == 0 ? "none" : string.Join("<br>", cell.Drift.Select(E)))}</td></tr>");
            h.Append("</table></details>\n");
        }
    }

    /// <summary>Each machine's path to the build (<c>full</c>, <c>fast-track</c>, <c>skipped</c>), or "none recorded".</summary>
    private static string ReimagePaths(CellResult cell) => cell.ReimagePaths is { Count: > 0 } paths
        ? string.Join("<br>", paths.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"<code>{E(p.Key)}</code>: <span class=\"path-{E(p.Value)}\">{E(p.Value)}</span>"))
        : "none recorded";

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string Percent(double rate) => SvgCharts.Percent(rate);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
