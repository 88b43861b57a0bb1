namespace TestFarm.Cli.Commands.Fuzz;

/// <summary>Every parser that takes outside input, by the name <c>testfarm fuzz</c> takes.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        .. ConfigFuzzTargets.All,
        .. ResultFuzzTargets.All,
        .. WireFuzzTargets.All,
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}

/// <summary>A rejection the parser gave in its documented form but that breaks the contract (an error placed outside the file).</summary>
internal sealed class FuzzViolationException(string kind, string message) : Exception(message)
{
    public string Kind { get; } = kind;
}
