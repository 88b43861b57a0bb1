using System.Globalization;
using System.Text;
using TestFarm.Core.Results;

namespace TestFarm.Core.GitHub;

/// <summary>Builds what GitHub shows for a run: conclusion, title, the matrix as Markdown, annotations, statuses.</summary>
public static class CheckSummary
{
    /// <summary>GitHub's limit for check run <c>output.summary</c>/<c>output.text</c> (characters).</summary>
    public const int MaxSummaryLength = 65_535;

    public const int MaxAnnotationsPerRequest = 50;

    public static string CheckName(string plan) => $"testfarm/{plan}";

    /// <summary><c>testfarm/&lt;plan&gt;/&lt;profile&gt;/&lt;topology&gt;</c> (a cell id already starts with the plan).</summary>
    public static string StatusContext(string plan, string cellId) =>
        cellId.StartsWith(plan + "/", StringComparison.Ordinal) ? $"testfarm/{cellId}" : $"testfarm/{plan}/{cellId}";

    public static string Conclusion(RunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Cells.Count == 0) return "neutral";
        if (run.Cells.Any(c => c.Verdict is Verdict.Failed or Verdict.InfraError)) return "failure";
        return run.Cells.All(c => c.Verdict == Verdict.Skipped) ? "skipped" : "success";
    }

    public static string Title(RunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        int Count(Verdict v) => run.Cells.Count(c => c.Verdict == v);
        return string.Create(CultureInfo.InvariantCulture,
            $"{run.Cells.Count} cells: {Count(Verdict.Passed)} passed, {Count(Verdict.Failed)} failed, {Count(Verdict.InfraError)} infra errors, {Count(Verdict.Flaky)} flaky");
    }

    public static string StatusState(Verdict verdict) => verdict switch
    {
        Verdict.Failed => "failure",
        Verdict.InfraError => "error",
        _ => "success",
    };

    public static string Emoji(Verdict verdict) => verdict switch
    {
        Verdict.Passed => "✅",
        Verdict.Failed => "❌",
        Verdict.InfraError => "⚠️",
        Verdict.Flaky => "🔁",
        _ => "⏭️",
    };

    public static string VerdictName(Verdict verdict) => verdict switch
    {
        Verdict.InfraError => "infra-error",
        _ => verdict.ToString().ToLowerInvariant(),
    };

    /// <summary>The matrix (cells × suites) and the failing tests, as Markdown, cut at <paramref name="limit"/>.</summary>
    public static string Markdown(RunResult run, int limit = MaxSummaryLength)
    {
        ArgumentNullException.ThrowIfNull(run);
        var suites = run.Cells.SelectMany(c => c.Tests).Select(t => t.Suite).Distinct(StringComparer.Ordinal).ToList();
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"### {Escape(run.Plan)}: {Title(run)}\n\n");
        md.Append("| cell | verdict |");
        foreach (var suite in suites) md.Append(CultureInfo.InvariantCulture, $" {Escape(suite)} |");
        md.Append("\n|---|---|").Append(string.Concat(Enumerable.Repeat("---|", suites.Count))).Append('\n');
        foreach (var cell in run.Cells)
        {
            md.Append(CultureInfo.InvariantCulture, $"| `{Escape(cell.Profile)}/{Escape(cell.Topology)}` | {Emoji(cell.Verdict)} {VerdictName(cell.Verdict)} |");
            foreach (var suite in suites)
            {
                var tests = cell.Tests.Where(t => t.Suite == suite).ToList();
                if (tests.Count == 0) { md.Append(" – |"); continue; }
                var passed = tests.Count(t => t.Verdict is Verdict.Passed or Verdict.Flaky);
                var worst = tests.Select(t => t.Verdict).OrderBy(Severity).Last();
                md.Append(CultureInfo.InvariantCulture, $" {Emoji(worst)} {passed}/{tests.Count} |");
            }
            md.Append('\n');
        }
        var failing = run.Cells.SelectMany(c => c.Tests.Select(t => (Cell: c, Test: t)))
            .Where(x => x.Test.Verdict is Verdict.Failed or Verdict.InfraError).ToList();
        if (failing.Count > 0)
        {
            md.Append("\n#### Failing tests\n\n");
            foreach (var (cell, test) in failing)
                md.Append(CultureInfo.InvariantCulture,
                    $"- {Emoji(test.Verdict)} `{Escape(cell.Profile)}/{Escape(cell.Topology)}` **{Escape(test.Suite)} / {Escape(test.Name)}**: {Escape(OneLine(test.Message))}\n");
        }
        return Truncate(md.ToString(), limit);
    }

    /// <summary>Cuts <paramref name="text"/> so that it, with a notice saying so, fits in <paramref name="limit"/> characters.</summary>
    public static string Truncate(string text, int limit = MaxSummaryLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= limit) return text;
        var notice = string.Create(CultureInfo.InvariantCulture,
            $"\n\n> **Truncated**: {text.Length:N0} characters exceed GitHub's limit of {limit:N0}; see the full report.\n");
        var keep = Math.Max(0, limit - notice.Length);
        // Do not split a surrogate pair.
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1])) keep--;
        return text[..keep] + notice;
    }

    /// <summary>One annotation per failed, infra-error or flaky test, against the suite file.</summary>
    public static IReadOnlyList<CheckAnnotation> Annotations(RunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Cells.SelectMany(c => c.Tests.Select(t => (Cell: c, Test: t)))
            .Where(x => x.Test.Verdict is Verdict.Failed or Verdict.InfraError or Verdict.Flaky)
            .Select(x => new CheckAnnotation
            {
                Path = $"scenarios/suites/{x.Test.Suite}.yaml",
                StartLine = 1,
                EndLine = 1,
                AnnotationLevel = x.Test.Verdict == Verdict.Flaky ? "warning" : "failure",
                Title = Cut($"{VerdictName(x.Test.Verdict)}: {x.Test.Name} on {x.Cell.Profile}/{x.Cell.Topology}", 255),
                Message = Cut(x.Test.Message ?? VerdictName(x.Test.Verdict), 60_000),
                RawDetails = x.Test.Details is null ? null : Cut(x.Test.Details, 60_000),
            }).ToList();
    }

    public static int Severity(Verdict verdict) => verdict switch
    {
        Verdict.Skipped => 0,
        Verdict.Passed => 1,
        Verdict.Flaky => 2,
        Verdict.InfraError => 3,
        _ => 4,
    };

    private static string OneLine(string? text) =>
        text is null ? "" : Cut(text.ReplaceLineEndings(" "), 300);

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>Neutralises Markdown table and HTML metacharacters in untrusted text.</summary>
    public static string Escape(string? text) => text is null ? "" : text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("|", "\\|", StringComparison.Ordinal)
        .Replace("`", "'", StringComparison.Ordinal);
}
