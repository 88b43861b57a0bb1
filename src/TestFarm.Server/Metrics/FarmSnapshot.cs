using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Metrics;

/// <summary>What the scrape gauges read: the store's machines, waiting requests and active leases, taken just before a scrape.</summary>
public sealed record FarmSnapshot(IReadOnlyList<MachineRecord> Machines, IReadOnlyList<QueuedRequest> Queue, IReadOnlyList<Lease> Leases, DateTimeOffset At)
{
    public static FarmSnapshot Empty { get; } = new([], [], [], DateTimeOffset.MinValue);

    public static async Task<FarmSnapshot> TakeAsync(SqlFarmStore store, TimeProvider time, CancellationToken ct) =>
        new(await store.ListMachinesAsync(ct), await store.ListAsync(RequestState.Queued, ct), await store.ListLeasesAsync(activeOnly: true, ct), time.GetUtcNow());
}
