using System.Text.RegularExpressions;

namespace TestFarm.Scenarios.Checks;

/// <summary>The shipped API checks (Tempest style: stable UUIDs, names, tags) and selection among them.</summary>
public static class ApiCheckCatalogue
{
    private static readonly Lazy<IReadOnlyList<ApiCheck>> Checks = new(() =>
        [.. NodeChecks.All(), .. AddOnChecks.All(), .. RoundTripChecks.All()]);

    public static IReadOnlyList<ApiCheck> All => Checks.Value;

    /// <summary>The tag vocabulary: every tag a check carries plus the standard smoke, slow, disruptive, arch-specific.</summary>
    public static IReadOnlySet<string> KnownTags =>
        All.SelectMany(c => c.Tags).Concat(["smoke", "slow", "disruptive", "arch-specific"]).ToHashSet(StringComparer.Ordinal);
}

/// <summary>A check left out for a profile, with the reason reported as the skip reason.</summary>
public sealed record SkipRule(Regex Match, string Reason);

/// <summary>Which checks a step runs: any of <see cref="Tags"/>, none of <see cref="ExcludeTags"/>, name/UUID regexes.</summary>
public sealed record CheckSelection
{
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<string> ExcludeTags { get; init; } = [];
    public Regex? Include { get; init; }
    public Regex? Exclude { get; init; }

    public IEnumerable<ApiCheck> Apply(IEnumerable<ApiCheck> checks) => checks.Where(c =>
        (Tags.Count == 0 || c.Tags.Any(Tags.Contains))
        && !c.Tags.Any(ExcludeTags.Contains)
        && (Include is null || Include.IsMatch(c.Name) || Include.IsMatch(c.Id.ToString()))
        && (Exclude is null || !(Exclude.IsMatch(c.Name) || Exclude.IsMatch(c.Id.ToString()))));
}
