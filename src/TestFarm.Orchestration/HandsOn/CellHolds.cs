using TestFarm.Core.Leases;
using TestFarm.Orchestration.Pipeline;

namespace TestFarm.Orchestration.HandsOn;

/// <summary>Takes a failed cell's lease, as it is, as a person's Ready hands-on reservation.</summary>
internal interface ICellHolds
{
    /// <summary>The reservation's id, or null when refused (the reason is logged).</summary>
    Task<string?> HoldAsync(string runId, string requestId, Lease lease, CellHold hold, CancellationToken ct);
}
