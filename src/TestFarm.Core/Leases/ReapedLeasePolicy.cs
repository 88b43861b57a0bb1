using TestFarm.Core.Machines;

namespace TestFarm.Core.Leases;

/// <summary>What happens to a cell whose lease was reaped (its holder stopped heartbeating).</summary>
public enum ReapedLeaseAction
{
    /// <summary>The cell ends as infra-error: "lease expired in phase X".</summary>
    InfraError,
    /// <summary>The cell's request goes back to the queue, up to <see cref="ReapedLeaseOptions.MaxRequeues"/> times, then infra-error.</summary>
    Requeue,
}

/// <summary>Per-plan choice of <see cref="ReapedLeaseAction"/>; plans not named get <see cref="Default"/>.</summary>
public sealed record ReapedLeaseOptions
{
    public ReapedLeaseAction Default { get; init; } = ReapedLeaseAction.InfraError;
    /// <summary>Action by plan name, e.g. requeue pull-request plans, infra-error release qualifications.</summary>
    public IReadOnlyDictionary<string, ReapedLeaseAction> Plans { get; init; } = new Dictionary<string, ReapedLeaseAction>(StringComparer.Ordinal);
    /// <summary>How often one request may be requeued after reaped leases. Default 1.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 10)]
    public int MaxRequeues { get; init; } = 1;

    public ReapedLeaseAction For(string? plan) => plan is not null && Plans.TryGetValue(plan, out var a) ? a : Default;
}

/// <summary>The decision about one reaped lease's cell, with the reason recorded in the audit log and the verdict.</summary>
public sealed record ReapedCellDecision(string LeaseId, string RequestId, string? RunId, string? CellId, string Phase, ReapedLeaseAction Action, string Reason);

/// <summary>Pure policy for reaped leases: which phase the cell was in, and infra-error or requeue.</summary>
public static class ReapedLeasePolicy
{
    /// <summary>Audit kind and target of the events this policy leads to (subject: the request id).</summary>
    public const string EventKind = "cell";

    /// <summary>
    /// The phase a reaped cell was in: the last phase its pipeline recorded, else what its machines' states at the
    /// reap say (Reserved: reserve, Provisioning: reimage, InUse: run), else "unknown (no phase recorded)".
    /// </summary>
    public static string PhaseOf(string? lastRecordedPhase, IEnumerable<MachineState> machineStatesAtReap)
    {
        if (!string.IsNullOrWhiteSpace(lastRecordedPhase)) return lastRecordedPhase;
        var states = machineStatesAtReap.ToList();
        if (states.Contains(MachineState.InUse)) return "run";
        if (states.Contains(MachineState.Provisioning)) return "reimage";
        if (states.Contains(MachineState.Reserved)) return "reserve";
        return "unknown (no phase recorded)";
    }

    /// <summary>Decides for a reaped lease of a request of <paramref name="plan"/> requeued <paramref name="requeuedSoFar"/> times already.</summary>
    public static ReapedCellDecision Decide(Lease reaped, string? plan, string phase, int requeuedSoFar, ReapedLeaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(reaped);
        ArgumentNullException.ThrowIfNull(options);
        if (reaped.State != LeaseState.Reaped)
            throw new ArgumentException($"lease {reaped.Id} is {reaped.State}, not Reaped", nameof(reaped));
        var slash = reaped.RequestId.IndexOf('/', StringComparison.Ordinal);
        var (run, cell) = slash > 0 ? (reaped.RequestId[..slash], reaped.RequestId[(slash + 1)..]) : ((string?)null, (string?)null);
        var expired = $"lease expired in phase {phase} ({reaped.EndReason}; holder {reaped.Holder})";
        var action = options.For(plan);
        if (action == ReapedLeaseAction.Requeue && requeuedSoFar >= options.MaxRequeues)
            return new ReapedCellDecision(reaped.Id, reaped.RequestId, run, cell, phase, ReapedLeaseAction.InfraError,
                $"{expired}; already requeued {requeuedSoFar} time(s), the most allowed");
        return action == ReapedLeaseAction.Requeue
            ? new ReapedCellDecision(reaped.Id, reaped.RequestId, run, cell, phase, action, $"requeued: {expired}")
            : new ReapedCellDecision(reaped.Id, reaped.RequestId, run, cell, phase, action, expired);
    }
}
