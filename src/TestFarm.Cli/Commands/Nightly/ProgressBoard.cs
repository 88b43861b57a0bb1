using System.Diagnostics.CodeAnalysis;
using System.Collections.Concurrent;
using TestFarm.Orchestration.Pipeline;

namespace TestFarm.Cli.Commands.Nightly;

/// <summary>The state of every cell × phase, as heard from the pipeline; drawn by <see cref="ProgressView"/>.</summary>
public sealed class ProgressBoard(TimeProvider time) : IRunProgress
{
    private readonly ConcurrentDictionary<(string Cell, string Phase), PhaseMark> _marks = new();
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Cells => [.. _marks.Keys.Select(k => k.Cell).Distinct().Order(StringComparer.Ordinal)];

    public PhaseMark? Mark(string cell, string phase) => _marks.TryGetValue((cell, phase), out var m) ? m : null;

    /// <summary>Lines for a log-style view (when the output is not a terminal).</summary>
    public bool TryTakeLine([NotNullWhen(true)] out string? line) => _lines.TryDequeue(out line);

    public void PhaseStarted(string cellId, string phase)
    {
        if (phase.Contains('/')) return; // sub-phases of reimage show in the report, not on the board
        _marks[(cellId, phase)] = new PhaseMark(PhaseStatus.Running, time.GetUtcNow(), null, null);
        _lines.Enqueue($"{cellId,-40} {phase,-8} started");
    }

    public void PhaseEnded(string cellId, string phase, bool succeeded, string? error)
    {
        if (phase.Contains('/')) return;
        var started = _marks.TryGetValue((cellId, phase), out var m) ? m.Started : time.GetUtcNow();
        var took = time.GetUtcNow() - started;
        _marks[(cellId, phase)] = new PhaseMark(succeeded ? PhaseStatus.Done : PhaseStatus.Failed, started, took, error);
        _lines.Enqueue($"{cellId,-40} {phase,-8} {(succeeded ? "done" : "FAILED")} in {took.TotalSeconds:0.0}s{(error is null ? "" : $": {error}")}");
    }
}

public enum PhaseStatus { Running, Done, Failed }

public sealed record PhaseMark(PhaseStatus Status, DateTimeOffset Started, TimeSpan? Took, string? Error);
