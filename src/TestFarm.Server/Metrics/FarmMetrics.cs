using Microsoft.AspNetCore.Http;
using Prometheus;
using TestFarm.Core.Leases;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Metrics;

/// <summary>
/// The farm's series on <c>/metrics</c> (prometheus-net, this instance's own registry): machines by state and profile,
/// queue depth by class, the oldest active lease's age by profile, phase durations, BMC, store and run counts. The
/// gauges are read from a snapshot of the store taken just before each scrape. Labels are bounded sets (state, profile,
/// class, phase, outcome, operation): never a lease id, a holder or a machine name.
/// </summary>
public sealed class FarmMetrics
{
    private readonly MetricFactory _factory;
    private readonly List<ScrapeGauge> _gauges = [];
    private readonly Histogram _phases;
    private readonly Counter _storeErrors;
    private readonly Counter _runs;

    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    public static readonly double[] PhaseBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600];

    public FarmMetrics(BmcErrorCounter bmc, SqlFarmStore store, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(bmc);
        _factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        // Label names in alphabetical order: the series read as they always have.
        Gauge("testfarm_machines", "Pool machines by state and profile.", ["profile", "state"], now =>
            now.Machines.GroupBy(m => (m.Profile, State: m.State.ToString())).Select(g => (new[] { g.Key.Profile, g.Key.State }, (double)g.Count())));
        Gauge("testfarm_queue_depth", "Queued reservation requests by priority class.", ["class"], now =>
            now.Queue.Where(q => q.State == RequestState.Queued).GroupBy(q => q.Request.Priority.ToString()).Select(g => (new[] { g.Key }, (double)g.Count())));
        Gauge("testfarm_lease_age_seconds", "Age of the oldest active lease holding machines of a profile.", ["profile"], now =>
        {
            var profiles = now.Machines.ToDictionary(m => m.Id, m => m.Profile, StringComparer.Ordinal);
            return now.Leases.SelectMany(l => l.Machines.Select(m => profiles.GetValueOrDefault(m, "unknown")).Distinct().Select(p => (Profile: p, Lease: l)))
                .GroupBy(x => x.Profile).Select(g => (new[] { g.Key }, Math.Max(0, (now.At - g.Min(x => x.Lease.GrantedAt)).TotalSeconds)));
        });
        Gauge("testfarm_bmc_errors", "BMC calls that failed, by operation, since this instance started.", ["operation"], _ =>
            bmc.Snapshot().Select(kv => (new[] { kv.Key }, (double)kv.Value)));
        Gauge("testfarm_github_outbox_pending", "GitHub reports waiting for delivery, of every instance.", [], now =>
            [([], now.OutboxPending)]);
        Gauge("testfarm_github_outbox_oldest_seconds", "Age of the oldest GitHub report waiting for delivery (0 when none).", [], now =>
            [([], now.OutboxOldest is { } o ? Math.Max(0, (now.At - o).TotalSeconds) : 0)]);
        _phases = _factory.CreateHistogram("testfarm_phase_duration_seconds", "How long pipeline phases took, by phase and outcome.", ["outcome", "phase"],
            new HistogramConfiguration { Buckets = PhaseBuckets });
        _storeErrors = _factory.CreateCounter("testfarm_store_errors_total", "Store writes that failed, by operation.", ["operation"]);
        _runs = _factory.CreateCounter("testfarm_runs_total", "Runs this instance ended, by outcome.", ["outcome"]);
        Registry.AddBeforeCollectCallback(async ct =>
        {
            var now = await FarmSnapshot.TakeAsync(store, time, ct).ConfigureAwait(false);
            foreach (var gauge in _gauges) gauge.Update(now);
        });
    }

    /// <summary>
    /// Adds a gauge read from the store's snapshot before each scrape: one line per gauge. A read that has no labels
    /// returns one series with an empty label array.
    /// </summary>
    public void Gauge(string name, string help, string[] labelNames, Func<FarmSnapshot, IEnumerable<(string[] Labels, double Value)>> read) =>
        _gauges.Add(new ScrapeGauge(_factory.CreateGauge(name, help, labelNames), read));

    public void ObservePhase(string phase, TimeSpan duration, bool succeeded) =>
        _phases.WithLabels(succeeded ? "succeeded" : "failed", phase).Observe(duration.TotalSeconds);

    public void CountStoreError(string operation) => _storeErrors.WithLabels(operation).Inc();

    public void CountRun(string outcome) => _runs.WithLabels(outcome).Inc();

    /// <summary>The Prometheus text exposition (0.0.4) of every series, after the gauges were read.</summary>
    public IResult Scrape(CancellationToken ct) =>
        Results.Stream(body => Registry.CollectAndExportAsTextAsync(body, ct), "text/plain; version=0.0.4; charset=utf-8");
}
