using System.Globalization;
using System.Text;
using System.Xml;
using TestFarm.Core.Text;

namespace TestFarm.Scenarios.Import;

/// <summary>
/// Streams a JUnit XML file with <see cref="XmlReader"/>: <c>&lt;testsuite&gt;</c> roots (Ginkgo v1,
/// Kubernetes ≤ 1.24, a case per spec with <c>&lt;skipped/&gt;</c>) and <c>&lt;testsuites&gt;</c> roots
/// (Ginkgo v2, per-case <c>status</c>), nested suites, missing attributes. Large <c>system-out</c>
/// is skipped without being held in memory. Bad XML throws <see cref="ResultImportException"/> with file:line:col.
/// </summary>
public static class JUnitReader
{
    private const int MaxMessage = 4096;

    /// <summary>Ginkgo v2 writes suite nodes as pseudo-testcases; they are not specs.</summary>
    private static readonly string[] SuiteNodePrefixes =
    [
        "[BeforeSuite]", "[AfterSuite]", "[SynchronizedBeforeSuite]", "[SynchronizedAfterSuite]",
        "[ReportBeforeSuite]", "[ReportAfterSuite]", "[DeferCleanup (Suite)]",
    ];

    public static JUnitReport Read(string path, bool keepCases = false)
    {
        Stream stream;
        try { stream = File.OpenRead(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ResultImportException($"{path}: cannot open JUnit file: {ex.Message}", ex);
        }
        using (stream) return Read(stream, path, keepCases);
    }

    public static JUnitReport Read(Stream stream, string name, bool keepCases = false)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit, IgnoreComments = true, IgnoreWhitespace = true,
            IgnoreProcessingInstructions = true, XmlResolver = null,
        };
        using var reader = XmlReader.Create(stream, settings);
        var info = (IXmlLineInfo)reader;
        var cases = new List<JUnitCase>();
        int tests = 0, passed = 0, failed = 0, skipped = 0, errors = 0;
        string? root = null;
        var suites = new Stack<(int Depth, string Name)>();
        try
        {
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element) continue;
                if (root is null)
                {
                    root = reader.LocalName;
                    if (root is not ("testsuite" or "testsuites"))
                        throw new ResultImportException(
                            $"{name}:{info.LineNumber}:{info.LinePosition}: root element <{Bounded.Text(root)}> is not <testsuite> or <testsuites>");
                }
                while (suites.Count > 0 && suites.Peek().Depth >= reader.Depth) suites.Pop();
                if (reader.LocalName == "testsuite")
                {
                    if (!reader.IsEmptyElement) suites.Push((reader.Depth, reader.GetAttribute("name") ?? ""));
                    continue;
                }
                if (reader.LocalName != "testcase") continue;
                var source = $"{name}:{info.LineNumber}:{info.LinePosition}";
                var c = ReadCase(reader, source, suites.Reverse().Select(s => s.Name).ToArray());
                if (IsSuiteNode(c.Name))
                {
                    if (c.Outcome is JUnitOutcome.Passed or JUnitOutcome.Skipped) continue;
                    c = c with { Outcome = JUnitOutcome.Error };
                }
                tests++;
                switch (c.Outcome)
                {
                    case JUnitOutcome.Passed: passed++; break;
                    case JUnitOutcome.Failed: failed++; break;
                    case JUnitOutcome.Skipped: skipped++; break;
                    default: errors++; break;
                }
                if (keepCases) cases.Add(c);
            }
        }
        catch (XmlException ex)
        {
            throw new ResultImportException($"{name}:{ex.LineNumber}:{ex.LinePosition}: invalid XML: {Bounded.Text(ex.Message, 300)}", ex);
        }
        if (root is null) throw new ResultImportException($"{name}:1:1: empty file, no JUnit root element");
        return new JUnitReport
        {
            File = name, Root = root, Counts = new JUnitCounts(tests, passed, failed, skipped, errors), Cases = cases,
        };
    }

    private static bool IsSuiteNode(string name) =>
        SuiteNodePrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    private static JUnitCase ReadCase(XmlReader reader, string source, string[] suitePath)
    {
        var name = reader.GetAttribute("name") ?? "";
        var className = reader.GetAttribute("classname");
        var status = reader.GetAttribute("status");
        var duration = double.TryParse(reader.GetAttribute("time"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s)
                       && s >= 0 && s < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(s) : TimeSpan.Zero;
        JUnitOutcome? fromChild = null;
        string? message = null;
        if (!reader.IsEmptyElement)
        {
            var depth = reader.Depth;
            reader.Read();
            while (reader.Depth > depth)
            {
                if (reader.NodeType == XmlNodeType.Element && reader.Depth == depth + 1)
                {
                    var child = reader.LocalName switch
                    {
                        "failure" => JUnitOutcome.Failed,
                        "error" => JUnitOutcome.Error,
                        "skipped" => JUnitOutcome.Skipped,
                        _ => (JUnitOutcome?)null,
                    };
                    if (child is { } outcome)
                    {
                        fromChild = Worse(fromChild, outcome);
                        var attribute = reader.GetAttribute("message");
                        if (attribute is not null) { message ??= attribute; reader.Skip(); }
                        else message ??= ReadBoundedText(reader);
                        continue;
                    }
                    reader.Skip(); // system-out, system-err, properties: streamed past
                    continue;
                }
                reader.Read();
            }
        }
        var outcomeFinal = fromChild ?? FromStatus(status);
        return new JUnitCase
        {
            Name = name, ClassName = className, SuitePath = suitePath, Outcome = outcomeFinal,
            Duration = duration, Message = message, Source = source,
        };
    }

    private static JUnitOutcome Worse(JUnitOutcome? a, JUnitOutcome b) =>
        a is { } current && Rank(current) >= Rank(b) ? current : b;

    private static int Rank(JUnitOutcome o) => o switch
    {
        JUnitOutcome.Error => 3, JUnitOutcome.Failed => 2, JUnitOutcome.Skipped => 1, _ => 0,
    };

    private static JUnitOutcome FromStatus(string? status) => status?.ToLowerInvariant() switch
    {
        null or "" or "passed" or "success" or "pass" => JUnitOutcome.Passed,
        "skipped" or "pending" or "disabled" => JUnitOutcome.Skipped,
        "failed" or "failure" or "timedout" or "interrupted" or "panicked" or "aborted" => JUnitOutcome.Failed,
        "error" or "errored" => JUnitOutcome.Error,
        _ => JUnitOutcome.Passed,
    };

    /// <summary>Reads at most <see cref="MaxMessage"/> characters of an element's text and leaves the reader past it.</summary>
    private static string? ReadBoundedText(XmlReader reader)
    {
        if (reader.IsEmptyElement) { reader.Read(); return null; }
        var depth = reader.Depth;
        var text = new StringBuilder();
        reader.Read();
        while (reader.Depth > depth)
        {
            if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA && text.Length < MaxMessage)
                text.Append(reader.Value.AsSpan(0, Math.Min(reader.Value.Length, MaxMessage - text.Length)));
            reader.Read();
        }
        reader.Read(); // end element
        var result = text.ToString().Trim();
        return result.Length == 0 ? null : result;
    }
}
