namespace TestFarm.Cli.Commands.Fuzz;

/// <summary>
/// One parser under the fuzzer. <see cref="Run"/> feeds it one input and returns null when the input was accepted, or
/// the parser's own rejection message (its documented error, caught by the target); any other exception escapes and is a
/// crash. A rejection is a crash too when it is longer than <see cref="MaxMessage"/>, names no place
/// (<see cref="NamesPlace"/>) or carries a .NET type name.
/// </summary>
internal sealed record FuzzTarget
{
    /// <summary>The source name every input is given, so that a rejection naming its place can be recognised.</summary>
    public const string Source = "fuzz-input";

    public required string Name { get; init; }
    public required string Description { get; init; }
    /// <summary>The parser's documented error, as the rejection messages come from.</summary>
    public required string DocumentedError { get; init; }
    public required Func<byte[], string?> Run { get; init; }
    /// <summary>Whether a rejection message names where the input was wrong (file:line:col, field, JSON path).</summary>
    public required Func<string, bool> NamesPlace { get; init; }
    public int MaxMessage { get; init; } = 2000;
    /// <summary>Tokens of the input's language that mutations insert (YAML indicators, JSON or XML punctuation).</summary>
    public IReadOnlyList<string> Dictionary { get; init; } = [];
    /// <summary>Openers repeated hundreds to thousands of times to nest deeply (<c>[</c>, <c>- </c>, <c>&lt;a&gt;</c>).</summary>
    public IReadOnlyList<string> Nesting { get; init; } = ["[", "{"];
    /// <summary>
    /// Groups of interchangeable names in the input's language (a checkout's profile names, its suite names, the deployers):
    /// when given, half the cases swap one name of an accepted input for another of its group (or a role's count), so
    /// mutants stay well-formed and reach the checks past parsing. Empty: byte mutations only.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> Names { get; init; } = [];
    /// <summary>Names of the seeds shipped in the product (embedded resources), found by <see cref="FuzzSeeds"/>.</summary>
    public string SeedFolder => Name;
}

/// <summary>What one case did: accepted, rejected with the message, or crashed (the kind and the detail).</summary>
internal sealed record FuzzOutcome(string? Rejection, string? CrashKind, string? CrashDetail)
{
    public bool Crashed => CrashKind is not null;
}
