using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Core.Pool;
using TestFarm.Core.Suites;

namespace TestFarm.Core.Configuration;

/// <summary>
/// Everything the farm is configured with: hardware profiles, the pool, plans and suites, loaded together
/// and cross-checked (duplicates, dangling references, impossible topologies, admission) by
/// TestFarm.Configuration's ConfigurationLoader. Core does no I/O and reads no YAML.
/// </summary>
public sealed record ConfigurationSet
{
    public IReadOnlyList<Loaded<HardwareProfile>> Profiles { get; init; } = [];
    public Loaded<PoolInventory>? Pool { get; init; }
    public IReadOnlyList<Loaded<Plan>> Plans { get; init; } = [];
    public IReadOnlyList<Loaded<Suite>> Suites { get; init; } = [];
    /// <summary>Every error in every file, ordered by file, line and column.</summary>
    public IReadOnlyList<ConfigError> Errors { get; init; } = [];

    public bool IsValid => Errors.Count == 0;

    public HardwareProfile? Profile(string name) => Profiles.FirstOrDefault(p => p.Value.Name == name)?.Value;
    public Plan? Plan(string name) => Plans.FirstOrDefault(p => p.Value.Name == name)?.Value;
    public Suite? Suite(string name) => Suites.FirstOrDefault(s => s.Value.Name == name)?.Value;

    /// <summary>The plan's cells, admission-checked against the pool (an empty pool when none was loaded).</summary>
    public MatrixExpansion Expand(Plan plan) =>
        MatrixExpander.Expand(plan, Profiles.Select(p => p.Value), Pool?.Value ?? new PoolInventory());
}
