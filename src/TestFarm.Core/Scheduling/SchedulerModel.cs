using TestFarm.Core.Machines;
using TestFarm.Core.Plans;

namespace TestFarm.Core.Scheduling;

/// <summary>Machines held by a running request and when they are expected back.</summary>
public sealed record RunningHold(string RequestId, string Repository, IReadOnlyList<string> Machines, DateTimeOffset ExpectedEnd)
{
    /// <summary>Priority of the holder; null counts as high (never against the headroom of low classes).</summary>
    public PriorityClass? Priority { get; init; }
}

/// <summary>The state one decision looks at.</summary>
public sealed record SchedulerInput
{
    public required IReadOnlyList<MachineRecord> Machines { get; init; }
    public required IReadOnlyList<ReservationRequest> Queue { get; init; }
    public IReadOnlyList<RunningHold> Running { get; init; } = [];
    public required DateTimeOffset Now { get; init; }
}

/// <summary>A request to start now on these machines.</summary>
public sealed record Placement(ReservationRequest Request, GangChoice Choice, bool Backfilled, TimeSpan Estimate);

/// <summary>The head's reservation: the earliest time and machines it is promised (EASY backfill protects it).</summary>
public sealed record HeadReservation(string RequestId, DateTimeOffset Start, IReadOnlyList<string> Machines);

public sealed record SchedulingDecision(IReadOnlyList<Placement> Start, HeadReservation? Reservation, IReadOnlyList<string> Order);

/// <summary>What a waiting request is told: where it is, what blocks it, when it may start.</summary>
public sealed record QueueEntryStatus(string RequestId, int Position, string BlockingReason, DateTimeOffset? Eta);

public sealed record AdmissionResult(bool Admitted, IReadOnlyList<string> Reasons)
{
    public static readonly AdmissionResult Ok = new(true, []);
}
