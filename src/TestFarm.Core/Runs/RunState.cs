using TestFarm.Core.Machines;
using TestFarm.Core.Results;

namespace TestFarm.Core.Runs;

/// <summary>Life-cycle state of one run (DESIGN.md, "One farm"): queued, running, then one end.</summary>
public enum RunState
{
    /// <summary>Triggered: recorded with its cells' work items, no cell taken yet.</summary>
    Queued,
    /// <summary>At least one cell was taken by a farm instance.</summary>
    Running,
    /// <summary>Every cell passed (flaky and skipped cells do not fail a run).</summary>
    Passed,
    /// <summary>The product failed in at least one cell, and the farm failed in none.</summary>
    Failed,
    /// <summary>The farm failed in at least one cell (or could not run it): its verdicts cannot be trusted.</summary>
    InfraError,
    /// <summary>Someone cancelled it; its cells still going were stopped, cleaned and released.</summary>
    Cancelled,
}

/// <summary>The legal moves between <see cref="RunState"/>s and how cells' verdicts end a run. Pure.</summary>
public static class RunTransitions
{
    private static readonly Dictionary<RunState, RunState[]> Allowed = new()
    {
        [RunState.Queued] = [RunState.Running, RunState.Cancelled],
        [RunState.Running] = [RunState.Passed, RunState.Failed, RunState.InfraError, RunState.Cancelled],
        [RunState.Passed] = [],
        [RunState.Failed] = [],
        [RunState.InfraError] = [],
        [RunState.Cancelled] = [],
    };

    public static bool IsAllowed(RunState from, RunState to) => Allowed[from].Contains(to);

    public static IReadOnlyList<RunState> From(RunState state) => Allowed[state];

    /// <summary>An end: the run has its finish time and verdict and never moves again.</summary>
    public static bool IsEnded(RunState state) => Allowed[state].Length == 0;

    public static void Ensure(string runId, RunState from, RunState to)
    {
        if (!IsAllowed(from, to)) throw new IllegalTransitionException($"run {runId}", from.ToString(), to.ToString());
    }

    /// <summary>
    /// The end a run's cells give it: any infra-error → <see cref="RunState.InfraError"/> (the farm failed); else any
    /// product failure → <see cref="RunState.Failed"/>; else <see cref="RunState.Passed"/>. A run with no cell
    /// recorded never ran on the product: infra-error.
    /// </summary>
    public static RunState Verdict(IEnumerable<Verdict> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var verdicts = cells.ToList();
        if (verdicts.Count == 0 || verdicts.Contains(Results.Verdict.InfraError)) return RunState.InfraError;
        return verdicts.Contains(Results.Verdict.Failed) ? RunState.Failed : RunState.Passed;
    }
}
