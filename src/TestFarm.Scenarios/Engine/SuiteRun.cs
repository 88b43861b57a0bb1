using TestFarm.Core.Results;

namespace TestFarm.Scenarios.Engine;

/// <summary>A chaos action as it happened, with its time (from the cell's <see cref="TimeProvider"/>).</summary>
public sealed record ChaosAction(DateTimeOffset At, string Step, string Action, string Target, bool Done, string? Detail = null);

/// <summary>What running one suite on one cell produced.</summary>
public sealed record SuiteRun
{
    public required string Suite { get; init; }
    public required string CellId { get; init; }
    public DateTimeOffset Started { get; init; }
    public TimeSpan Duration { get; init; }
    public IReadOnlyList<TestResult> Tests { get; init; } = [];
    public IReadOnlyList<ChaosAction> ChaosActions { get; init; } = [];
    /// <summary>Measured times to recovery, by probe name (goes to <see cref="CellResult.Recoveries"/>).</summary>
    public IReadOnlyDictionary<string, TimeSpan> Recoveries { get; init; } = new Dictionary<string, TimeSpan>();
    public Verdict Verdict => VerdictAggregation.ForCell(Tests);
}

/// <summary>The running state of one suite: shared by its steps, collects actions and recoveries.</summary>
public sealed class SuiteRecorder
{
    private readonly Lock _gate = new();
    private readonly List<ChaosAction> _actions = [];
    private readonly Dictionary<string, TimeSpan> _recoveries = new(StringComparer.Ordinal);

    public void Action(ChaosAction action) { lock (_gate) _actions.Add(action); }

    public void Recovery(string probe, TimeSpan time) { lock (_gate) _recoveries[probe] = time; }

    public IReadOnlyList<ChaosAction> Actions { get { lock (_gate) return [.. _actions]; } }

    public IReadOnlyDictionary<string, TimeSpan> Recoveries { get { lock (_gate) return new Dictionary<string, TimeSpan>(_recoveries); } }
}

/// <summary>What a step executor gets: the cell, the suite's name and recorder.</summary>
public sealed record StepRun(CellContext Cell, string Suite, SuiteRecorder Recorder)
{
    public TimeProvider Time => Cell.Time;

    public TestResult Result(string id, string name, Verdict verdict, DateTimeOffset start, string? message = null,
        IReadOnlyList<string>? tags = null) => new()
    {
        TestId = id, Name = name, Suite = Suite, Verdict = verdict, Start = start, Duration = Time.GetUtcNow() - start,
        Message = message, Tags = tags ?? [], Phase = verdict == Verdict.InfraError ? "scenarios" : null,
        SkipReason = verdict == Verdict.Skipped ? message : null,
    };
}

/// <summary>Runs the steps of one kind.</summary>
public interface IStepExecutor
{
    string Kind { get; }
    Task<IReadOnlyList<TestResult>> ExecuteAsync(Core.Suites.SuiteStep step, StepRun run, CancellationToken cancellationToken);
}
