namespace TestFarm.Core.Results;

/// <summary>
/// The last step of a cell: mark quarantined tests, mark regressions against the previous run of the same plan
/// and cell, and set the cell verdict. Then, per run, the history entries the flakiness scores are computed from.
/// </summary>
public static class CellVerdicts
{
    /// <summary>Firmware label of a cell from its evidence (<c>firmware.bios</c>, <c>firmware.bmc</c>, <c>firmware.nic</c>).</summary>
    public static string Firmware(CellResult cell) => TestKey.FirmwareLabel(
        cell.Evidence.GetValueOrDefault("firmware.bios"), cell.Evidence.GetValueOrDefault("firmware.bmc"), cell.Evidence.GetValueOrDefault("firmware.nic"));

    /// <summary>Applies quarantine and regression marks to <paramref name="cell"/>'s tests and recomputes its verdict.</summary>
    public static CellResult Finish(CellResult cell, CellResult? previous, IReadOnlySet<TestKey> quarantined)
    {
        if (previous is not null && (previous.Plan != cell.Plan || previous.CellId != cell.CellId))
            throw new ArgumentException($"previous result is for {previous.CellId} of {previous.Plan}, not {cell.CellId} of {cell.Plan}", nameof(previous));
        var tests = Quarantine.Apply(cell.Tests, quarantined, cell.Profile, Firmware(cell));
        tests = Regression.Mark(tests, previous);
        return VerdictAggregation.WithAggregatedVerdict(cell with { Tests = tests });
    }

    /// <summary>One history entry per test of every cell of the run (key: test × profile × firmware).</summary>
    public static IEnumerable<HistoryEntry> History(RunResult run) =>
        run.Cells.SelectMany(c => c.Tests.Select(t => new HistoryEntry(new TestKey(t.TestId, c.Profile, Firmware(c)), run.RunId, run.Started, t.Verdict)));
}
