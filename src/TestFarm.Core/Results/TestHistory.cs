namespace TestFarm.Core.Results;

/// <summary>What history is kept per: a test on a hardware profile at a firmware level.</summary>
public sealed record TestKey(string TestId, string Profile, string Firmware)
{
    /// <summary>A stable firmware label from the BIOS, BMC and NIC versions (missing parts left empty).</summary>
    public static string FirmwareLabel(string? bios, string? bmc, string? nic) => $"bios={bios};bmc={bmc};nic={nic}";
}

/// <summary>One past outcome of a test in a run.</summary>
public sealed record HistoryEntry(TestKey Key, string RunId, DateTimeOffset At, Verdict Verdict);

/// <summary>
/// Flakiness over the last N runs of one key: the share of runs that were flaky (failed then passed on rerun)
/// or whose pass/fail outcome flipped from the run before. Skipped and infra-error runs are left out: they say
/// nothing about the test. 0 = steady (always passing or always failing), 1 = flips every run.
/// </summary>
public static class Flakiness
{
    public static double Score(IEnumerable<HistoryEntry> entries, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var runs = Relevant(entries, window);
        if (runs.Count == 0) return 0;
        var unstable = 0;
        for (var i = 0; i < runs.Count; i++)
        {
            if (runs[i] == Verdict.Flaky) unstable++;
            else if (i > 0 && runs[i - 1] != Verdict.Flaky && runs[i - 1] != runs[i]) unstable++;
        }
        return (double)unstable / runs.Count;
    }

    /// <summary>Number of relevant (passed, failed or flaky) runs in the window.</summary>
    public static int RelevantRuns(IEnumerable<HistoryEntry> entries, int window) => Relevant(entries, window).Count;

    /// <summary>Scores per key over everything in <paramref name="history"/>.</summary>
    public static IReadOnlyDictionary<TestKey, double> Scores(IEnumerable<HistoryEntry> history, int window) =>
        history.GroupBy(h => h.Key).ToDictionary(g => g.Key, g => Score(g, window));

    private static List<Verdict> Relevant(IEnumerable<HistoryEntry> entries, int window) =>
        entries.Where(e => e.Verdict is Verdict.Passed or Verdict.Failed or Verdict.Flaky)
            .OrderBy(e => e.At).ThenBy(e => e.RunId, StringComparer.Ordinal)
            .Select(e => e.Verdict).TakeLast(window).ToList();
}
