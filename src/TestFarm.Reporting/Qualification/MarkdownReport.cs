using System.Globalization;
using System.Text;
using TestFarm.Core.GitHub;

namespace TestFarm.Reporting.Qualification;

/// <summary>The Markdown twin of <see cref="HtmlReport"/> (same sections, no plots but their numbers).</summary>
public static class MarkdownReport
{
    public static string Render(QualificationData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var run = data.Run;
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# {M(data.Title)}\n\nRun `{M(run.RunId)}`, trigger {M(run.Trigger)}")
          .Append(data.Previous is null ? "" : $", compared with run `{M(data.Previous.RunId)}`")
          .Append(CultureInfo.InvariantCulture, $".\n\n**Pass rate {Percent(data.PassRate)}** ({data.Passed}/{data.Counted} tests), {run.Cells.Count} cells, {data.NewFailures.Count} new failures.\n\n");
        md.Append("## Matrix\n\n| profile |");
        foreach (var suite in data.Suites) md.Append(CultureInfo.InvariantCulture, $" {M(suite)} |");
        md.Append("\n|---|").Append(string.Concat(Enumerable.Repeat("---|", data.Suites.Count))).Append('\n');
        foreach (var profile in data.Profiles)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {M(profile)} |");
            foreach (var suite in data.Suites)
                md.Append(data.Matrix.TryGetValue((profile, suite), out var e)
                    ? string.Create(CultureInfo.InvariantCulture, $" {CheckSummary.Emoji(e.Worst)} {CheckSummary.VerdictName(e.Worst)} {e.Passed}/{e.Total} |")
                    : " – |");
            md.Append('\n');
        }
        Lines(md, "Failing tests", data.Failing);
        Lines(md, "New failures", data.NewFailures);
        Lines(md, "Fixed", data.Fixed);
        Lines(md, "Still failing", data.StillFailing);
        Lines(md, "Flaky tests", data.Flaky);
        Lines(md, "Quarantined tests", data.Quarantined);
        md.Append("\n## Cells and evidence\n");
        foreach (var cell in run.Cells)
        {
            md.Append(CultureInfo.InvariantCulture, $"\n### `{M(cell.CellId)}`: {CheckSummary.Emoji(cell.Verdict)} {CheckSummary.VerdictName(cell.Verdict)}\n\n");
            foreach (var (key, value) in cell.Evidence.OrderBy(e => e.Key, StringComparer.Ordinal))
                md.Append(CultureInfo.InvariantCulture, $"- {M(key)}: `{M(value)}`\n");
            md.Append(CultureInfo.InvariantCulture, $"- reimage path: {(cell.ReimagePaths is { Count: > 0 } paths ? string.Join(", ", paths.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{M(p.Key)} {M(p.Value)}")) : "none recorded")}\n");
            md.Append(CultureInfo.InvariantCulture, $"- hardware drift: {(cell.Drift.Count == 0 ? "none" : string.Join("; ", cell.Drift.Select(M)))}\n");
            foreach (var phase in cell.Phases)
                md.Append(CultureInfo.InvariantCulture, $"- phase {M(phase.Phase)}: {SvgCharts.Fmt(phase.Duration)}{(phase.Succeeded ? "" : $" **failed**: {M(phase.Error ?? "")}")}\n");
            foreach (var (probe, time) in cell.Recoveries)
                md.Append(CultureInfo.InvariantCulture, $"- recovery {M(probe)}: {SvgCharts.Fmt(time)}\n");
        }
        return md.ToString();
    }

    private static void Lines(StringBuilder md, string title, IReadOnlyList<TestLine> lines)
    {
        md.Append(CultureInfo.InvariantCulture, $"\n## {title} ({lines.Count})\n\n");
        if (lines.Count == 0) { md.Append("None.\n"); return; }
        foreach (var l in lines)
            md.Append(CultureInfo.InvariantCulture, $"- `{M(l.CellId)}` {M(l.Suite)} / **{M(l.Name)}** ({CheckSummary.VerdictName(l.Verdict)}){(l.Message is null ? "" : ": " + M(l.Message.ReplaceLineEndings(" ")))}\n");
    }

    private static string Percent(double rate) => SvgCharts.Percent(rate);

    private static string M(string text) => CheckSummary.Escape(text);
}
