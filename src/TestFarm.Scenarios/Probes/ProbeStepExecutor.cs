using TestFarm.Core.Results;
using TestFarm.Core.Suites;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Settings;

namespace TestFarm.Scenarios.Probes;

/// <summary>Settings shared by probe steps and chaos steps.</summary>
public sealed record ProbeSettings(IReadOnlyList<IProbe> Probes, TimeSpan Deadline, TimeSpan Interval, TimeSpan CallTimeout)
{
    /// <summary>Per-probe deadlines (a probe's own <c>limit</c>), overriding <see cref="Deadline"/>.</summary>
    public IReadOnlyDictionary<string, TimeSpan> Limits { get; init; } = new Dictionary<string, TimeSpan>();

    public TimeSpan LimitOf(IProbe probe) => Limits.TryGetValue(probe.Name, out var l) ? l : Deadline;

    public static ProbeSettings Read(StepSettings s, string deadlineKey)
    {
        var probes = new List<IProbe>();
        var limits = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var p in s.MapList("probes"))
        {
            if (ProbeFactory.Create(p) is { } probe)
            {
                if (probes.Any(x => x.Name == probe.Name)) p.Error($"probe name '{probe.Name}' is used twice");
                probes.Add(probe);
                if (p.Has("limit")) limits[probe.Name] = p.Duration("limit", TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(6));
            }
            s.Absorb(p);
        }
        var deadline = s.Duration(deadlineKey, TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(6));
        var interval = s.Duration("probeInterval", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10));
        var call = s.Duration("probeTimeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10));
        if (interval > deadline) s.Error($"'probeInterval' ({StepSettings.Format(interval)}) is longer than '{deadlineKey}' ({StepSettings.Format(deadline)})");
        return new ProbeSettings(probes, deadline, interval, call) { Limits = limits };
    }
}

/// <summary><c>probe</c> step: each probe must become healthy within <c>deadline</c>; the time it took is the result's duration.</summary>
public sealed class ProbeStepExecutor : IStepExecutor
{
    public string Kind => StepKinds.Probe;

    public async Task<IReadOnlyList<TestResult>> ExecuteAsync(SuiteStep step, StepRun run, CancellationToken cancellationToken)
    {
        var s = new StepSettings(step);
        var settings = ProbeSettings.Read(s, "deadline");
        if (s.Errors.Count > 0)
            return [run.Result($"probe:{step.Name}", step.Name, Verdict.InfraError, run.Time.GetUtcNow(), $"{step.Source}: {string.Join("; ", s.Errors)}")];
        var results = new List<TestResult>();
        foreach (var probe in settings.Probes)
        {
            var start = run.Time.GetUtcNow();
            var (outcome, elapsed) = await ProbeLoop.WaitHealthyAsync(probe, run, settings.LimitOf(probe), settings.Interval,
                settings.CallTimeout, cancellationToken).ConfigureAwait(false);
            results.Add(run.Result($"probe:{step.Name}:{probe.Name}", $"{step.Name}: {probe.Name}",
                outcome.Healthy ? Verdict.Passed : Verdict.Failed, start,
                outcome.Healthy ? $"healthy after {StepSettings.Format(elapsed)}: {outcome.Detail}"
                    : $"not healthy within {StepSettings.Format(settings.LimitOf(probe))}: {outcome.Detail}", ["probe"]));
        }
        return results;
    }
}
