using TestFarm.Core.Machines;

namespace TestFarm.Orchestration.Adapters;

/// <summary>The audit event "a cell entered a phase" (kind <c>phase</c>, subject the cell's request), read back by the reaped-lease handler.</summary>
public static class CellPhaseEvent
{
    public const string Kind = "phase";

    public static AuditEvent Of(string requestId, string leaseId, string phase, TimeProvider time) => new()
    {
        At = time.GetUtcNow(), Kind = Kind, Subject = requestId, To = phase, Reason = $"entered phase {phase}", LeaseId = leaseId,
    };
}
