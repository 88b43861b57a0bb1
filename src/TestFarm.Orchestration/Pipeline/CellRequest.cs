using TestFarm.Core.Plans;
using TestFarm.Core.Suites;

namespace TestFarm.Orchestration.Pipeline;

/// <summary>One cell to run: the cell, its plan, the suites resolved by name, and the build under test.</summary>
public sealed record CellRequest
{
    public required MatrixCell Cell { get; init; }
    public required Plan Plan { get; init; }
    public required IReadOnlyList<Suite> Suites { get; init; }
    public required string BuildId { get; init; }
    /// <summary>The run this cell belongs to, for logs and traces.</summary>
    public string? RunId { get; init; }
    /// <summary>False for code from untrusted pull-request authors: cleaning is then never fast-tracked.</summary>
    public bool Trusted { get; init; } = true;
    public required string ArtifactsDirectory { get; init; }
    /// <summary>How often the lease is heartbeated while the cell holds machines.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(20);
}
