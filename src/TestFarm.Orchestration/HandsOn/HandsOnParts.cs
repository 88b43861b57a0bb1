using TestFarm.Core.HandsOn;
using TestFarm.Core.Hardware;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Pool;
using TestFarm.Core.Scheduling;
using TestFarm.Orchestration.Pipeline;

namespace TestFarm.Orchestration.HandsOn;

/// <summary>The store's parts a hands-on reservation writes to (the farm's one store implements them all).</summary>
public sealed record HandsOnStores(IHandsOnStore Reservations, ILeaseStore Leases, IMachineStore Machines, IRequestQueue Queue, IRunStore Runs);

/// <summary>The machines this instance has hands on: the pool, their profiles, the default build and the provisioner that reimages and cleans.</summary>
public sealed record HandsOnMachines(PoolInventory Pool, IReadOnlyDictionary<string, HardwareProfile> Profiles, string DefaultBuild, IMachineProvisioner Provisioner)
{
    /// <summary>Deploys and tears down reservations' clusters (<c>deployCluster</c>); null: this farm offers none.</summary>
    public HandsOnClusters? Clusters { get; init; }

    public CellMachine Cell(string machineId)
    {
        var machine = Pool.Machines.FirstOrDefault(m => m.Id == machineId)
            ?? throw new InvalidOperationException($"machine {machineId} is not in this instance's pool");
        return new CellMachine(machine, Profiles[machine.Profile], "hands-on");
    }
}

/// <summary>Where a Queued reservation stands in the farm's queue.</summary>
public sealed record HandsOnQueueStatus(int Position, string Blocking, DateTimeOffset? Eta);

/// <summary>What an ask, extension or release came to: the reservation, or the refusal (HTTP-like status, field, message).</summary>
public sealed record HandsOnOutcome(HandsOnReservation? Reservation, int Status, string? Field, string Message)
{
    public static HandsOnOutcome Ok(HandsOnReservation r, int status = 200) => new(r, status, null, "");
    public static HandsOnOutcome NotFound(string id) => new(null, 404, null, $"no reservation '{(id.Length > 100 ? id[..100] + "…" : id)}'");
    public static HandsOnOutcome Conflict(string message) => new(null, 409, null, message);
    public static HandsOnOutcome Invalid(string field, string message) => new(null, 422, field, message);
}

/// <summary>The scheduler request a reservation rides on: one role of <c>count</c> machines of its profile, interactive priority, the person as its own fair-share account.</summary>
internal static class HandsOnRequests
{
    public static ReservationRequest For(HandsOnReservation r) => new()
    {
        Id = r.RequestId, Plan = HandsOnOptions.PlanName, Profile = r.Profile,
        Topology = new Core.Plans.Topology { Name = $"{r.Count}x", Roles = [new Core.Plans.TopologyRole { Name = "node", Count = r.Count }] },
        Priority = Core.Plans.PriorityClass.Interactive, Repository = "person:" + r.Owner, SubmittedAt = r.CreatedAt, EstimatedDuration = r.Duration,
        PreferredMachines = r.PreferredMachines,
    };
}
