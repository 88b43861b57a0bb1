namespace TestFarm.Core.Configuration;

/// <summary>One problem found in a configuration file, at the place the YAML parser saw it.</summary>
public sealed record ConfigError(string File, int Line, int Column, string Message)
{
    /// <summary>Longest message kept; a longer one (it echoes a huge value) keeps its start and its end.</summary>
    public const int MaxMessageLength = 600;

    public string Message { get; init; } = Message.Length <= MaxMessageLength
        ? Message
        : $"{Message[..400]} … ({Message.Length - 550} characters left out) … {Message[^150..]}";

    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

/// <summary>
/// Checks the settings of one step kind (registered by the scenarios engine). The suite loader calls
/// the validator for each step of its kind and collects every error; it never stops at the first.
/// </summary>
public interface IStepValidator
{
    /// <summary>The step kind this validator understands, one of <see cref="Suites.StepKinds.All"/>.</summary>
    string Kind { get; }

    /// <summary>Every error in the step's settings; <paramref name="file"/>, line and column come from the step's position.</summary>
    IEnumerable<ConfigError> Validate(Suites.SuiteStep step, string file, int line, int column);
}
