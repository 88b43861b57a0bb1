using System.Globalization;
using System.Xml.Linq;
using TestFarm.Core.Results;

namespace TestFarm.Reporting.JUnit;

/// <summary>
/// JUnit XML per cell and merged per run. Suite = plan/cell; properties profile, build, firmware.
/// infra-error → &lt;error&gt;, failed → &lt;failure&gt;, flaky → passed with a property and a system-out note,
/// skipped → &lt;skipped message&gt;. A failed pipeline phase becomes an &lt;error&gt; test case of its own.
/// </summary>
public static class JUnitWriter
{
    public static XDocument Cell(CellResult cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return new XDocument(new XDeclaration("1.0", "utf-8", null), Suites(cell.Plan, [cell]));
    }

    public static XDocument Run(RunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new XDocument(new XDeclaration("1.0", "utf-8", null), Suites(run.Plan, run.Cells));
    }

    private static XElement Suites(string name, IReadOnlyList<CellResult> cells)
    {
        var suites = cells.Select(Suite).ToList();
        return new XElement("testsuites",
            new XAttribute("name", name),
            new XAttribute("tests", suites.Sum(s => (int)s.Attribute("tests")!)),
            new XAttribute("failures", suites.Sum(s => (int)s.Attribute("failures")!)),
            new XAttribute("errors", suites.Sum(s => (int)s.Attribute("errors")!)),
            new XAttribute("skipped", suites.Sum(s => (int)s.Attribute("skipped")!)),
            new XAttribute("time", Seconds(TimeSpan.FromTicks(cells.Sum(c => c.Phases.Sum(p => p.Duration.Ticks))))),
            suites);
    }

    private static XElement Suite(CellResult cell)
    {
        var cases = cell.Phases.Where(p => !p.Succeeded).Select(p => PhaseCase(cell, p))
            .Concat(cell.Tests.Select(t => TestCase(cell, t))).ToList();
        var start = cell.Phases.Count > 0 ? cell.Phases.Min(p => p.Start) : cell.Tests.Select(t => t.Start).DefaultIfEmpty().Min();
        return new XElement("testsuite",
            new XAttribute("name", $"{cell.Plan}/{cell.CellId}"),
            new XAttribute("tests", cases.Count),
            new XAttribute("failures", cases.Count(c => c.Element("failure") is not null)),
            new XAttribute("errors", cases.Count(c => c.Element("error") is not null)),
            new XAttribute("skipped", cases.Count(c => c.Element("skipped") is not null)),
            new XAttribute("time", Seconds(TimeSpan.FromTicks(cell.Tests.Sum(t => t.Duration.Ticks)))),
            new XAttribute("timestamp", start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)),
            new XAttribute("hostname", cell.Machines.Count > 0 ? string.Join(",", cell.Machines) : "unknown"),
            new XElement("properties", Properties(cell)),
            cases);
    }

    private static IEnumerable<XElement> Properties(CellResult cell)
    {
        yield return Property("profile", cell.Profile);
        yield return Property("arch", cell.Arch);
        yield return Property("topology", cell.Topology);
        yield return Property("build", cell.BuildId ?? "unknown");
        yield return Property("verdict", VerdictName(cell.Verdict));
        foreach (var (key, value) in cell.Evidence.OrderBy(e => e.Key, StringComparer.Ordinal))
            if (key.StartsWith("firmware", StringComparison.OrdinalIgnoreCase)) yield return Property(key, value);
        if (!cell.Evidence.Keys.Any(k => k.StartsWith("firmware", StringComparison.OrdinalIgnoreCase)))
            yield return Property("firmware", "unknown");
        foreach (var drift in cell.Drift) yield return Property("drift", drift);
    }

    private static XElement PhaseCase(CellResult cell, PhaseTiming phase) =>
        new("testcase",
            new XAttribute("classname", $"{cell.Plan}.pipeline"),
            new XAttribute("name", phase.Phase),
            new XAttribute("time", Seconds(phase.Duration)),
            new XElement("error",
                new XAttribute("message", X(phase.Error ?? $"phase {phase.Phase} failed")),
                new XAttribute("type", $"infra-error:{phase.Phase}"),
                X(phase.Error)));

    private static XElement TestCase(CellResult cell, TestResult test)
    {
        var element = new XElement("testcase",
            new XAttribute("classname", $"{cell.Plan}.{test.Suite}"),
            new XAttribute("name", test.Name),
            new XAttribute("time", Seconds(test.Duration)));
        var properties = new XElement("properties");
        if (test.Quarantined) properties.Add(Property("quarantined", "true"));
        if (test.Regression is not null) properties.Add(Property("regression", test.Regression));
        if (test.Attempts > 1) properties.Add(Property("attempts", test.Attempts.ToString(CultureInfo.InvariantCulture)));
        switch (test.Verdict)
        {
            case Verdict.Failed:
                element.Add(new XElement("failure", new XAttribute("message", X(test.Message ?? "failed")),
                    new XAttribute("type", "failure"), X(test.Details)));
                break;
            case Verdict.InfraError:
                element.Add(new XElement("error", new XAttribute("message", X(test.Message ?? "infrastructure error")),
                    new XAttribute("type", test.Phase is null ? "infra-error" : $"infra-error:{test.Phase}"), X(test.Details)));
                break;
            case Verdict.Skipped:
                element.Add(new XElement("skipped", new XAttribute("message", X(test.SkipReason ?? test.Message ?? "skipped"))));
                break;
            case Verdict.Flaky:
                properties.Add(Property("flaky", "true"));
                element.Add(new XElement("system-out",
                    X($"flaky: passed after {test.Attempts} attempts" + (test.Message is null ? "" : $"; earlier failure: {test.Message}"))));
                break;
        }
        if (properties.HasElements) element.AddFirst(properties);
        return element;
    }

    private static XElement Property(string name, string value) =>
        new("property", new XAttribute("name", X(name)), new XAttribute("value", X(value)));

    /// <summary>Drops characters XML cannot carry (ANSI escapes and other control characters in logs).</summary>
    private static string X(string? text) =>
        text is null ? "" : string.Concat(text.Where(c => System.Xml.XmlConvert.IsXmlChar(c) || char.IsSurrogate(c)));

    private static string Seconds(TimeSpan duration) =>
        duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static string VerdictName(Verdict verdict) => TestFarm.Core.GitHub.CheckSummary.VerdictName(verdict);
}
