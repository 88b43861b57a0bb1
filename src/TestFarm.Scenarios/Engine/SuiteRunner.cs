using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Results;
using TestFarm.Core.Suites;
using TestFarm.Scenarios.Settings;

namespace TestFarm.Scenarios.Engine;

/// <summary>
/// Runs a <see cref="Suite"/>'s steps in order on one cell and returns every <see cref="TestResult"/>.
/// A step that throws becomes one infra-error result (phase "scenarios") and the suite goes on.
/// </summary>
public sealed class SuiteRunner
{
    private readonly Dictionary<string, IStepExecutor> _executors;
    private readonly ILogger _logger;

    public SuiteRunner(IEnumerable<IStepExecutor> executors, ILogger<SuiteRunner>? logger = null)
    {
        _executors = executors.ToDictionary(e => e.Kind, StringComparer.Ordinal);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>A runner with every built-in step kind.</summary>
    public static SuiteRunner CreateDefault(ILoggerFactory? loggers = null) =>
        new(ScenariosServiceCollectionExtensions.BuiltInExecutors(loggers ?? NullLoggerFactory.Instance),
            loggers?.CreateLogger<SuiteRunner>());

    public async Task<SuiteRun> RunAsync(Suite suite, CellContext cell, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(cell.ArtifactsDirectory);
        var started = cell.Time.GetUtcNow();
        var recorder = new SuiteRecorder();
        var run = new StepRun(cell, suite.Name, recorder);
        var results = new List<TestResult>();
        Log.SuiteStarted(_logger, suite.Name, cell.CellId, suite.Steps.Count);
        foreach (var step in suite.Steps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // Stopped (the cell's deadline or the run's cancel): what ran is kept, what did not is said so.
                results.Add(run.Result($"{step.Kind}:{step.Name}", step.Name, Verdict.InfraError, cell.Time.GetUtcNow(),
                    $"{step.Source}: not run: the suite was stopped (deadline passed or run cancelled)"));
                continue;
            }
            var stepStart = cell.Time.GetUtcNow();
            IReadOnlyList<TestResult> stepResults;
            if (!_executors.TryGetValue(step.Kind, out var executor))
            {
                Log.UnknownStepKind(_logger, suite.Name, step.Name, step.Kind);
                stepResults = [run.Result($"{step.Kind}:{step.Name}", step.Name, Verdict.InfraError, stepStart,
                    $"{step.Source}: unknown step kind '{step.Kind}' (known: {string.Join(", ", _executors.Keys.Order(StringComparer.Ordinal))})")];
            }
            else
            {
                try
                {
                    stepResults = await executor.ExecuteAsync(step, run, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    stepResults = [run.Result($"{step.Kind}:{step.Name}", step.Name, Verdict.InfraError, stepStart,
                        $"{step.Source}: stopped after {StepSettings.Format(cell.Time.GetUtcNow() - stepStart)}: deadline passed or run cancelled")];
                }
                catch (Exception ex)
                {
                    Log.StepCrashed(_logger, ex, suite.Name, step.Name, step.Kind);
                    stepResults = [run.Result($"{step.Kind}:{step.Name}", step.Name, Verdict.InfraError, stepStart,
                        $"{step.Source}: {ex.GetType().Name}: {ex.Message}")];
                }
            }
            var notPassed = stepResults.Count(r => r.Verdict is not (Verdict.Passed or Verdict.Skipped));
            Log.StepFinished(_logger, suite.Name, step.Name, step.Kind, stepResults.Count, notPassed);
            results.AddRange(stepResults);
        }
        return new SuiteRun
        {
            Suite = suite.Name, CellId = cell.CellId, Started = started, Duration = cell.Time.GetUtcNow() - started,
            Tests = results, ChaosActions = recorder.Actions, Recoveries = recorder.Recoveries,
        };
    }
}
