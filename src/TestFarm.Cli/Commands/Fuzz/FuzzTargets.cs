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

    /// <summary>Every target, the pool and plan ones beside <paramref name="context"/>'s files.</summary>
    public static IReadOnlyList<FuzzTarget> For(ConfigFuzzContext context) =>
    [
        .. ConfigFuzzTargets.For(context),
        .. ResultFuzzTargets.All,
        .. WireFuzzTargets.All,
    ];

    /// <summary>
    /// The seeds of <paramref name="target"/>: the shipped ones, then for a pool or plan the checkout's own file(s) and 50
    /// files generated over the context (only those the target accepts, so each is a valid starting point).
    /// </summary>
    public static IReadOnlyList<byte[]> Seeds(FuzzTarget target, ConfigFuzzContext context, int seed)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(context);
        var shipped = FuzzSeeds.Shipped(target.Name);
        var own = target.Name switch { "pool" => context.RepoPools, "plan" => context.RepoPlans, _ => [] };
        var generated = target.Name is "pool" or "plan" ? context.Generated(target.Name, 50, seed).Where(g => FuzzHarness.RunOne(target, g) is { Crashed: false, Rejection: null }) : [];
        return [.. shipped, .. own, .. generated];
    }
}

/// <summary>A rejection the parser gave in its documented form but that breaks the contract (an error placed outside the file).</summary>
internal sealed class FuzzViolationException(string kind, string message) : Exception(message)
{
    public string Kind { get; } = kind;
}
