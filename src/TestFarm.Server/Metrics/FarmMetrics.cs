using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Metrics;

/// <summary>
/// The farm's series: machines by state and profile, queue depth by class, active lease ages, phase
/// durations, BMC errors and store errors. Gauges read a snapshot that <see cref="RefreshAsync"/> takes
/// from the store just before each scrape.
/// </summary>
public sealed class FarmMetrics
{
    private readonly MetricsRegistry _registry = new();
    private readonly BmcErrorCounter _bmc;
    private volatile Snapshot _now = new([], [], [], DateTimeOffset.MinValue);
    private volatile OutboxGauge _outbox = new(0, 0);

    private sealed record OutboxGauge(int Pending, double OldestSeconds);

    private sealed record Snapshot(IReadOnlyList<MachineRecord> Machines, IReadOnlyList<QueuedRequest> Queue, IReadOnlyList<Lease> Leases, DateTimeOffset At);

    private static Dictionary<string, string> L(params (string Key, string Value)[] labels) => labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);

    public FarmMetrics(BmcErrorCounter bmc)
    {
        _bmc = bmc;
        _registry.Gauge("testfarm_machines", "Pool machines by state and profile.", () =>
            _now.Machines.GroupBy(m => (m.State, m.Profile)).Select(g =>
                ((IReadOnlyDictionary<string, string>)L(("state", g.Key.State.ToString()), ("profile", g.Key.Profile)), (double)g.Count())));
        _registry.Gauge("testfarm_queue_depth", "Queued reservation requests by priority class.", () =>
            _now.Queue.Where(q => q.State == RequestState.Queued).GroupBy(q => q.Request.Priority).Select(g =>
                ((IReadOnlyDictionary<string, string>)L(("class", g.Key.ToString())), (double)g.Count())));
        _registry.Gauge("testfarm_lease_age_seconds", "Age of each active lease.", () =>
            _now.Leases.Select(l => ((IReadOnlyDictionary<string, string>)L(("lease", l.Id), ("holder", l.Holder)), Math.Max(0, (_now.At - l.GrantedAt).TotalSeconds))));
        _registry.Gauge("testfarm_bmc_errors", "BMC calls that failed, by operation, since this instance started.", () =>
            _bmc.Snapshot().Select(kv => ((IReadOnlyDictionary<string, string>)L(("operation", kv.Key)), (double)kv.Value)));
        _registry.Gauge("testfarm_github_outbox_pending", "GitHub reports waiting for delivery, of every instance.", () =>
            [((IReadOnlyDictionary<string, string>)L(), (double)_outbox.Pending)]);
        _registry.Gauge("testfarm_github_outbox_oldest_seconds", "Age of the oldest GitHub report waiting for delivery (0 when none).", () =>
            [((IReadOnlyDictionary<string, string>)L(), _outbox.OldestSeconds)]);
    }

    public void ObservePhase(string phase, TimeSpan duration, bool succeeded) =>
        _registry.Observe("testfarm_phase_duration_seconds", "How long pipeline phases took, by phase and outcome.", duration.TotalSeconds,
            L(("phase", phase), ("outcome", succeeded ? "succeeded" : "failed")));

    public void CountStoreError(string operation) =>
        _registry.Increment("testfarm_store_errors_total", "Store writes that failed, by operation.", L(("operation", operation)));

    public void CountRun(string outcome) =>
        _registry.Increment("testfarm_runs_total", "Runs this instance ended, by outcome.", L(("outcome", outcome)));

    public async Task RefreshAsync(SqlFarmStore store, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        _now = new Snapshot(await store.ListMachinesAsync(ct), await store.ListAsync(RequestState.Queued, ct),
            await store.ListLeasesAsync(activeOnly: true, ct), time.GetUtcNow());
        var outbox = await store.ListOutboxAsync(0, ct);
        _outbox = new OutboxGauge(outbox.Pending, outbox.OldestPending is { } o ? Math.Max(0, (_now.At - o).TotalSeconds) : 0);
    }

    public string Render() => _registry.Render();
}
