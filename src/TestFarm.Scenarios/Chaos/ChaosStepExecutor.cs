using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Results;
using TestFarm.Core.Suites;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Probes;
using TestFarm.Scenarios.Settings;

namespace TestFarm.Scenarios.Chaos;

/// <summary>
/// <c>chaos</c> step: probes before (steady state), the fault (sampled by the probes while it lasts), then each
/// probe's time to recovery, measured from the end of the disruption against <c>recoveryLimit</c>. Targets are
/// resolved through <see cref="ChaosScope"/>: anything outside the cell is refused and nothing is done.
/// </summary>
public sealed class ChaosStepExecutor(ILogger<ChaosStepExecutor>? logger = null) : IStepExecutor
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public string Kind => StepKinds.Chaos;

    public async Task<IReadOnlyList<TestResult>> ExecuteAsync(SuiteStep step, StepRun run, CancellationToken cancellationToken)
    {
        var id = $"chaos:{step.Name}";
        var start = run.Time.GetUtcNow();
        var s = new StepSettings(step);
        var settings = ChaosSettings.Read(s);
        if (s.Errors.Count > 0)
            return [run.Result(id, step.Name, Verdict.InfraError, start, $"{step.Source}: {string.Join("; ", s.Errors)}", ["chaos"])];

        var scope = new ChaosScope(run.Cell);
        var actions = new ChaosActions(run, step.Name, scope, _logger);
        CellMachine? machine;
        try
        {
            scope.RequireCluster(settings.Cluster);
            machine = settings.Node is { } n ? scope.Machine(n) : settings.Role is { } r ? scope.Role(r)[0] : null;
        }
        catch (ChaosRefusedException ex)
        {
            Log.ChaosRefused(_logger, step.Name, ex.Message);
            run.Recorder.Action(new ChaosAction(start, step.Name, settings.Action, settings.Node ?? settings.Role ?? settings.Cluster ?? "?", false, $"refused: {ex.Message}"));
            return [run.Result(id, step.Name, Verdict.InfraError, start, $"refused: {ex.Message}", ["chaos"])];
        }

        var results = new List<TestResult>();
        foreach (var probe in settings.Probes.Probes)
        {
            var t = run.Time.GetUtcNow();
            var before = await ProbeLoop.CheckOnceAsync(probe, run, settings.Probes.CallTimeout, cancellationToken).ConfigureAwait(false);
            results.Add(run.Result($"{id}:{probe.Name}:before", $"{step.Name}: {probe.Name} steady before", before.Healthy ? Verdict.Passed : Verdict.Failed,
                t, before.Detail, ["chaos", "probe"]));
        }

        var samples = new Dictionary<string, (int Healthy, int Total)>(StringComparer.Ordinal);
        async Task SampleAsync()
        {
            foreach (var probe in settings.Probes.Probes)
            {
                var o = await ProbeLoop.CheckOnceAsync(probe, run, settings.Probes.CallTimeout, cancellationToken).ConfigureAwait(false);
                lock (samples) // a round left behind by a bounded hold may still finish
                {
                    var (h, n) = samples.GetValueOrDefault(probe.Name);
                    samples[probe.Name] = (h + (o.Healthy ? 1 : 0), n + 1);
                }
            }
        }

        string? failure = null;
        try
        {
            await actions.RunAsync(settings, machine, SampleAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (ChaosRefusedException ex)
        {
            Log.ChaosRefused(_logger, step.Name, ex.Message);
            return [.. results, run.Result(id, step.Name, Verdict.InfraError, start, $"refused: {ex.Message}", ["chaos"])];
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = $"{ex.GetType().Name}: {ex.Message}";
        }
        var disruptionEnd = run.Time.GetUtcNow();
        var done = run.Recorder.Actions.Count(a => a.Step == step.Name && a.Done);
        results.Add(run.Result(id, step.Name, failure is null ? Verdict.Passed : Verdict.InfraError, start,
            failure ?? $"{settings.Action}: {done} actions", ["chaos"]));

        foreach (var probe in settings.Probes.Probes)
        {
            (int Healthy, int Total) counted;
            lock (samples) counted = samples.GetValueOrDefault(probe.Name);
            var (healthy, total) = counted;
            results.Add(run.Result($"{id}:{probe.Name}:during", $"{step.Name}: {probe.Name} during chaos",
                settings.MustStayHealthy && healthy < total ? Verdict.Failed : Verdict.Passed, start,
                $"healthy in {healthy} of {total} samples", ["chaos", "probe"]));
        }
        foreach (var probe in settings.Probes.Probes)
        {
            var limit = settings.Probes.LimitOf(probe);
            var (outcome, elapsed) = await ProbeLoop.WaitHealthyAsync(probe, run, settings.Probes.LimitOf(probe), settings.Probes.Interval,
                settings.Probes.CallTimeout, cancellationToken).ConfigureAwait(false);
            var recovery = run.Time.GetUtcNow() - disruptionEnd;
            if (outcome.Healthy)
            {
                run.Recorder.Recovery(probe.Name, recovery);
                Log.ProbeRecovered(_logger, probe.Name, recovery.TotalSeconds, limit.TotalSeconds);
            }
            results.Add(run.Result($"{id}:{probe.Name}:recovery", $"{step.Name}: {probe.Name} recovers within {StepSettings.Format(settings.Probes.LimitOf(probe))}",
                outcome.Healthy ? Verdict.Passed : Verdict.Failed, disruptionEnd,
                outcome.Healthy ? $"recovered in {StepSettings.Format(recovery)}: {outcome.Detail}"
                    : $"not recovered within {StepSettings.Format(elapsed)}: {outcome.Detail}", ["chaos", "probe", "recovery"]));
        }
        return results;
    }
}
