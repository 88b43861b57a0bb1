using System.Globalization;
using System.Text.RegularExpressions;

namespace TestFarm.Scenarios.Import;

/// <summary>The final summary of a Ginkgo e2e.log: <c>Ran N of M Specs</c> and <c>SUCCESS!|FAIL! -- ...</c>.</summary>
public sealed record GinkgoSummary
{
    public required int Ran { get; init; }
    public required int Total { get; init; }
    public required bool Success { get; init; }
    public required int Passed { get; init; }
    public required int Failed { get; init; }
    public int Flaked { get; init; }
    public required int Pending { get; init; }
    public required int Skipped { get; init; }
}

/// <summary>
/// Reads the last summary of an e2e.log, line by line. Handles the v1.12/1.13 form with <c>PASS</c> on
/// the same line, the later form with <c>PASS</c> on its own line, and Ginkgo v2's optional <c>Flaked</c> count.
/// JSON progress lines are running totals and are ignored.
/// </summary>
public static partial class GinkgoSummaryParser
{
    [GeneratedRegex(@"Ran (\d+) of (\d+) Specs?\b")]
    private static partial Regex RanLine();

    [GeneratedRegex(@"(SUCCESS!|FAIL!) -- (\d+) Passed \| (\d+) Failed \|(?: (\d+) Flaked \|)? (\d+) Pending \| (\d+) Skipped")]
    private static partial Regex ResultLine();

    public static GinkgoSummary Parse(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            return Parse(reader, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ResultImportException($"{path}: cannot read e2e log: {ex.Message}", ex);
        }
    }

    public static GinkgoSummary Parse(TextReader reader, string name)
    {
        (int Ran, int Total)? ran = null;
        GinkgoSummary? last = null;
        var lineNumber = 0;
        var ranLine = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (RanLine().Match(line) is { Success: true } r)
            {
                ran = (Int(r.Groups[1], name, lineNumber), Int(r.Groups[2], name, lineNumber));
                ranLine = lineNumber;
            }
            if (ResultLine().Match(line) is { Success: true } m)
            {
                if (ran is null)
                    throw new ResultImportException($"{name}:{lineNumber}:1: Ginkgo result line without a preceding 'Ran N of M Specs' line");
                last = new GinkgoSummary
                {
                    Ran = ran.Value.Ran, Total = ran.Value.Total, Success = m.Groups[1].Value == "SUCCESS!",
                    Passed = Int(m.Groups[2], name, lineNumber), Failed = Int(m.Groups[3], name, lineNumber),
                    Flaked = m.Groups[4].Success ? Int(m.Groups[4], name, lineNumber) : 0,
                    Pending = Int(m.Groups[5], name, lineNumber), Skipped = Int(m.Groups[6], name, lineNumber),
                };
            }
        }
        return last ?? throw new ResultImportException(ranLine > 0
            ? $"{name}:{ranLine}:1: 'Ran N of M Specs' found but no 'SUCCESS!|FAIL! -- P Passed | F Failed | X Pending | S Skipped' line"
            : $"{name}: no Ginkgo summary ('Ran N of M Specs' / 'SUCCESS!|FAIL! -- ...') in the log");
    }

    /// <summary>A count of the summary; one past <see cref="int.MaxValue"/> is no count Ginkgo writes, so the line is refused.</summary>
    private static int Int(Group g, string name, int line) =>
        int.TryParse(g.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
            : throw new ResultImportException($"{name}:{line}:{g.Index + 1}: the count {TestFarm.Core.Text.Bounded.Text(g.Value, 20)} is larger than {int.MaxValue}");
}
