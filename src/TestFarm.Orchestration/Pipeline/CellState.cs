using TestFarm.Core.Results;

namespace TestFarm.Orchestration.Pipeline;

/// <summary>What a cell has gathered so far; filled in as phases run.</summary>
internal sealed class CellState
{
    public List<CellMachine> Machines { get; set; } = [];
    public HashSet<string> UsedSpares { get; } = new(StringComparer.Ordinal);
    /// <summary>Machines to hand back as Suspect, with why.</summary>
    public Dictionary<string, string> Suspect { get; } = new(StringComparer.Ordinal);
    public List<TestResult> Tests { get; } = [];
    public List<string> Drift { get; } = [];
    public Dictionary<string, string> Evidence { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, TimeSpan> Recoveries { get; } = new(StringComparer.Ordinal);
    /// <summary>How each machine reached the build: full, fast-track or skipped.</summary>
    public Dictionary<string, string> ReimagePaths { get; } = new(StringComparer.Ordinal);
}
