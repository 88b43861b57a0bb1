using TestFarm.Core.Configuration;
using TestFarm.Core.Suites;
using TestFarm.Scenarios.Chaos;
using TestFarm.Scenarios.Checks;
using TestFarm.Scenarios.Conformance;
using TestFarm.Scenarios.Load;
using TestFarm.Scenarios.Probes;
using TestFarm.Scenarios.Settings;

namespace TestFarm.Scenarios.Validation;

/// <summary>
/// A validator that reads a step's settings exactly as its engine will, so every error the engine would refuse on
/// is reported up front at the step's <c>file:line:col</c>. Unknown settings keys are errors too (typos).
/// </summary>
public abstract class StepValidatorBase : IStepValidator
{
    public abstract string Kind { get; }

    /// <summary>Keys the step kind understands (besides <c>kind</c> and <c>name</c>).</summary>
    protected abstract IReadOnlySet<string> Keys { get; }

    protected abstract void Read(StepSettings s);

    public IEnumerable<ConfigError> Validate(SuiteStep step, string file, int line, int column)
    {
        var s = new StepSettings(step.Settings, $"step '{step.Name}'");
        foreach (var key in s.Keys.Where(k => k is not ("kind" or "name") && !Keys.Contains(k)).Order(StringComparer.Ordinal))
            s.Error($"unknown setting '{key}' for a {Kind} step (known: {string.Join(", ", Keys.Order(StringComparer.Ordinal))})");
        Read(s);
        return s.Errors.Select(e => new ConfigError(file, line, column, $"{Kind} step '{step.Name}': {e}")).ToList();
    }
}

public sealed class ConformanceStepValidator : StepValidatorBase
{
    public override string Kind => StepKinds.Conformance;
    protected override IReadOnlySet<string> Keys { get; } = new HashSet<string> { "mode", "timeout", "results", "includeSkipped", "description" };

    protected override void Read(StepSettings s)
    {
        var mode = s.String("mode", "quick")!;
        if (!ConformanceStepExecutor.Modes.Contains(mode)) s.Error($"unknown mode '{mode}' (known: {string.Join(", ", ConformanceStepExecutor.Modes)})");
        s.Duration("timeout", TimeSpan.FromHours(3), TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
        s.Bool("includeSkipped", false);
        s.String("results");
    }
}

public sealed class JUnitStepValidator : StepValidatorBase
{
    public override string Kind => StepKinds.JUnit;
    protected override IReadOnlySet<string> Keys { get; } = new HashSet<string> { "file", "includeSkipped", "description" };

    protected override void Read(StepSettings s)
    {
        s.String("file", required: true);
        s.Bool("includeSkipped", true);
    }
}

public sealed class ApiChecksStepValidator : StepValidatorBase
{
    public override string Kind => StepKinds.ApiChecks;
    protected override IReadOnlySet<string> Keys { get; } = new HashSet<string>
        { "tags", "excludeTags", "include", "exclude", "skip", "workers", "timeout", "retries", "retryDelay", "minChecks", "description" };

    protected override void Read(StepSettings s) => ApiChecksSettings.Read(s);
}

public sealed class ChaosStepValidator : StepValidatorBase
{
    public override string Kind => StepKinds.Chaos;
    protected override IReadOnlySet<string> Keys { get; } = new HashSet<string>
    {
        "action", "cluster", "namespaces", "namespace", "labelSelector", "target", "interval", "duration", "node", "role", "nic", "drive",
        "restoreAfter", "probes", "recoveryLimit", "probeInterval", "probeTimeout", "mustStayHealthy", "description",
    };

    protected override void Read(StepSettings s) => ChaosSettings.Read(s);
}

public sealed class ProbeStepValidator : StepValidatorBase
{
    public override string Kind => StepKinds.Probe;
    protected override IReadOnlySet<string> Keys { get; } = new HashSet<string> { "probes", "deadline", "probeInterval", "probeTimeout", "description" };

    protected override void Read(StepSettings s)
    {
        var settings = ProbeSettings.Read(s, "deadline");
        if (settings.Probes.Count == 0 && s.Errors.Count == 0) s.Error("'probes' must list at least one probe");
    }
}

public sealed class LoadStepValidator : StepValidatorBase
{
    public override string Kind => StepKinds.Load;
    protected override IReadOnlySet<string> Keys { get; } = new HashSet<string> { "pods", "rate", "namespace", "readyTimeout", "maxLatency", "description" };

    protected override void Read(StepSettings s) => LoadSettings.Read(s);
}
