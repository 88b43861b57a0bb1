namespace TestFarm.Core.Plans;

/// <summary>
/// One point of a plan's matrix: a topology on one hardware profile. <see cref="Id"/> is stable
/// across runs (<c>plan/profile/topology</c>) so history can follow a cell.
/// </summary>
public sealed record MatrixCell
{
    public required string Id { get; init; }
    public required string Plan { get; init; }
    public required string Profile { get; init; }
    public required Topology Topology { get; init; }
}
