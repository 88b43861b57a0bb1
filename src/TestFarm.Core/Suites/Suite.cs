namespace TestFarm.Core.Suites;

/// <summary>Ordered steps, loaded from <c>scenarios/suites/*.yaml</c>.</summary>
public sealed record Suite
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<SuiteStep> Steps { get; init; } = [];
}

/// <summary>
/// One step. <see cref="Kind"/> is one of <see cref="StepKinds.All"/>; its own settings stay as parsed
/// YAML scalars, sequences and maps (string, list, dictionary) for the step's engine to bind.
/// </summary>
public sealed record SuiteStep
{
    public required string Kind { get; init; }
    public required string Name { get; init; }
    public IReadOnlyDictionary<string, object?> Settings { get; init; } = new Dictionary<string, object?>();
    /// <summary>Where the step was declared, for error messages: <c>file:line:column</c>.</summary>
    public string? Source { get; init; }
}

public static class StepKinds
{
    public const string Conformance = "conformance";
    public const string JUnit = "junit";
    public const string ApiChecks = "api-checks";
    public const string Chaos = "chaos";
    public const string Probe = "probe";
    public const string Load = "load";

    public static readonly IReadOnlyList<string> All = [Conformance, JUnit, ApiChecks, Chaos, Probe, Load];
}
