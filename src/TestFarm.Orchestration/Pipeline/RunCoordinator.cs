using Microsoft.Extensions.Logging;
using TestFarm.Core.Plans;
using TestFarm.Core.Results;

namespace TestFarm.Orchestration.Pipeline;

/// <summary>Runs every cell of one plan run, a bounded number at a time, and gathers the run's result.</summary>
public sealed class RunCoordinator(CellPipeline pipeline, TimeProvider time, ILogger<RunCoordinator> logger)
{
    public async Task<RunResult> RunAsync(RunRequest run, IReadOnlyList<CellRequest> cells, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(run.MaxParallelCells, 1);
        using var activity = FarmTelemetry.Source.StartActivity("run");
        activity?.SetTag(FarmTelemetry.Tags.RunId, run.RunId);
        activity?.SetTag(FarmTelemetry.Tags.Plan, run.Plan.Name);
        var started = time.GetUtcNow();
        using var gate = new SemaphoreSlim(run.MaxParallelCells);
        var results = await Task.WhenAll(cells.Select(async cell =>
        {
            await gate.WaitAsync(cancellationToken);
            try { return await pipeline.RunAsync(cell, cancellationToken); }
            finally { gate.Release(); }
        }));
        Log.RunFinished(logger, run.RunId, run.Plan.Name, results.Length);
        return new RunResult
        {
            RunId = run.RunId,
            Plan = run.Plan.Name,
            Trigger = run.Trigger,
            Started = started,
            Finished = time.GetUtcNow(),
            Cells = [.. results.OrderBy(c => c.CellId, StringComparer.Ordinal)],
            HeadSha = run.HeadSha,
            Repository = run.Repository,
        };
    }
}

/// <summary>One run of a plan: who asked for it and how many cells may run at once.</summary>
public sealed record RunRequest
{
    public required string RunId { get; init; }
    public required Plan Plan { get; init; }
    public required string Trigger { get; init; }
    public int MaxParallelCells { get; init; } = 4;
    public string? HeadSha { get; init; }
    public string? Repository { get; init; }
}
