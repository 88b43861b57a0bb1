using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Metrics;

/// <summary>
/// What the scrape gauges read, taken just before a scrape: the store's machines, waiting requests, active leases and
/// the GitHub outbox's pending count and oldest pending report.
/// </summary>
public sealed record FarmSnapshot(IReadOnlyList<MachineRecord> Machines, IReadOnlyList<QueuedRequest> Queue, IReadOnlyList<Lease> Leases,
    int OutboxPending, DateTimeOffset? OutboxOldest, DateTimeOffset At)
{
    public static FarmSnapshot Empty { get; } = new([], [], [], 0, null, DateTimeOffset.MinValue);

    public static async Task<FarmSnapshot> TakeAsync(SqlFarmStore store, TimeProvider time, CancellationToken ct)
    {
        var outbox = await store.ListOutboxAsync(0, ct);
        return new(await store.ListMachinesAsync(ct), await store.ListAsync(RequestState.Queued, ct), await store.ListLeasesAsync(activeOnly: true, ct),
            outbox.Pending, outbox.OldestPending, time.GetUtcNow());
    }
}
