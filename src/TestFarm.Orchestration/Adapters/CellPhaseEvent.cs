using TestFarm.Core.Machines;

namespace TestFarm.Orchestration.Adapters;

/// <summary>
/// The audit event of a cell's phase (kind <c>phase</c>, subject the cell's request id <c>run/cell</c>, <c>From</c> the
/// phase, <c>To</c> Started, Succeeded or Failed): written by the lab nightly and by the server's run progress, read
/// by the server's live run view and by the reaped-lease handler.
/// </summary>
public static class CellPhaseEvent
{
    public const string Kind = "phase";
    public const string Started = "Started";

    public static AuditEvent Of(string requestId, string? leaseId, string phase, string state, string reason, DateTimeOffset at) => new()
    {
        At = at, Kind = Kind, Subject = requestId, From = phase, To = state, Reason = reason, LeaseId = leaseId,
    };

    /// <summary>The phase an event speaks of.</summary>
    public static string? PhaseOf(AuditEvent e) => e.Kind == Kind ? e.From : null;
}
