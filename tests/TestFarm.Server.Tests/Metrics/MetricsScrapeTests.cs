using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using TestFarm.Orchestration.Reservations;
using TestFarm.Server.Metrics;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Metrics;

/// <summary>
/// Scrapes <c>/metrics</c> of a server with a lease, a queued request, a BMC failure, a phase, a store error and a run,
/// and pins every family's name, type and label names: dashboards and alerts depend on them.
/// </summary>
[CancelAfter(60_000)]
public sealed partial class MetricsScrapeTests
{
    /// <summary>Family → (type, label names of its series, sorted). Histograms list their series' labels without <c>le</c>.</summary>
    private static readonly Dictionary<string, (string Type, string Labels)> Pinned = new(StringComparer.Ordinal)
    {
        ["testfarm_machines"] = ("gauge", "profile,state"),
        ["testfarm_queue_depth"] = ("gauge", "class"),
        ["testfarm_lease_age_seconds"] = ("gauge", "profile"),
        ["testfarm_bmc_errors"] = ("gauge", "operation"),
        ["testfarm_phase_duration_seconds"] = ("histogram", "outcome,phase"),
        ["testfarm_store_errors_total"] = ("counter", "operation"),
        ["testfarm_runs_total"] = ("counter", "outcome"),
    };

    [Test]
    public async Task Every_family_keeps_its_name_type_and_label_names(CancellationToken ct)
    {
        var text = await ScrapeBusyFarmAsync(ct);

        var types = TypeLine().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
        foreach (var (name, (type, labels)) in Pinned)
        {
            Assert.That(types.GetValueOrDefault(name), Is.EqualTo(type), $"# TYPE of {name} in:\n{text}");
            var series = name + (type == "histogram" ? "_count" : "");
            var seen = SeriesLine().Matches(text).Where(m => m.Groups[1].Value == series)
                .Select(m => string.Join(",", LabelName().Matches(m.Groups[2].Value).Select(l => l.Groups[1].Value).Where(l => l != "le").Order(StringComparer.Ordinal)))
                .Distinct().ToList();
            Assert.That(seen, Is.EqualTo(new[] { labels }), $"label names of {series} in:\n{text}");
        }
        Assert.That(text, Does.Contain("testfarm_machines{profile=\"epyc-9354-e810\",state=\"Reserved\"} 2"));
        Assert.That(text, Does.Contain("testfarm_queue_depth{class=\"Manual\"} 1"));
        Assert.That(text, Does.Contain("testfarm_bmc_errors{operation=\"reset\"} 2"));
        Assert.That(text, Does.Contain("testfarm_phase_duration_seconds_bucket{outcome=\"succeeded\",phase=\"reimage\",le=\"30\"} 1"));
        Assert.That(text, Does.Contain("testfarm_phase_duration_seconds_sum{outcome=\"succeeded\",phase=\"reimage\"} 20"));
        Assert.That(text, Does.Contain("testfarm_store_errors_total{operation=\"record-phase\"} 1"));
        Assert.That(text, Does.Contain("testfarm_runs_total{outcome=\"passed\"} 1"));
        Assert.That(text, Does.Contain("testfarm_lease_age_seconds{profile=\"epyc-9354-e810\"} "));
    }

    [Test]
    public async Task No_lease_id_holder_or_machine_name_is_shown(CancellationToken ct)
    {
        string[] secrets = [];
        var text = await ScrapeBusyFarmAsync(ct, async api =>
        {
            var leases = await api.GetAsync("/api/v1/leases");
            secrets = [.. leases.AsArray().Select(l => l!["id"]!.GetValue<string>()), "holder-a", "run-a", "run-b", "m1", "m2"];
            return (await api.SendAsync(HttpMethod.Get, "/metrics", null)).Text;
        });

        Assert.That(secrets, Has.Length.EqualTo(6), "one active lease");
        Assert.That(text, Does.Contain("testfarm_lease_age_seconds"));
        foreach (var secret in secrets) Assert.That(text, Does.Not.Contain($"\"{secret}\""), $"{secret} in:\n{text}");
    }

    [Test]
    public async Task With_the_option_a_scrape_needs_a_token(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") };
        var options = ServeFixture.Options(fixture.Config, storage, "serve-metrics") with { Pool = fixture.Config.Pool!.Value, MetricsRequireToken = true };
        using var api = await fixture.StartInProcessAsync(options, null, ct);

        var (anonymous, problem, _, response) = await api.SendAsync(HttpMethod.Get, "/metrics", null);
        Assert.That(anonymous, Is.EqualTo(System.Net.HttpStatusCode.Unauthorized));
        Assert.That(problem!["detail"]!.GetValue<string>(), Does.Contain("Authorization: Bearer"));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.Contain("Bearer"));
        Assert.That((await api.SendAsync(HttpMethod.Get, "/metrics", "not-a-token")).Status, Is.EqualTo(System.Net.HttpStatusCode.Unauthorized));
        var (viewer, _, text, _) = await api.SendAsync(HttpMethod.Get, "/metrics", ServeFixture.ViewerSecret);
        Assert.That(viewer, Is.EqualTo(System.Net.HttpStatusCode.OK), text);
        Assert.That(text, Does.Contain("testfarm_machines{profile=\"epyc-9354-e810\",state=\"Available\"} 2"));
    }

    /// <summary>A server over a two-machine pool: one request holds both machines, a second waits; then one of each other event.</summary>
    internal static async Task<string> ScrapeBusyFarmAsync(CancellationToken ct, Func<ApiClient, Task<string>>? scrape = null)
    {
        await using var fixture = new ServeFixture();
        var storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") };
        var bmc = new BmcErrorCounter();
        var options = ServeFixture.Options(fixture.Config, storage, "serve-metrics") with { Pool = fixture.Config.Pool!.Value };
        using var api = await fixture.StartInProcessAsync(options, null, ct, s => s.AddSingleton(bmc));
        var reservations = api.App.Services.GetRequiredService<ReservationService>();
        var time = api.App.Services.GetRequiredService<TimeProvider>();
        await reservations.SubmitAsync(Request("run-a/cell", time), ct);
        Assert.That(await reservations.ScheduleAsync("holder-a", TimeSpan.FromMinutes(5), ct), Has.Count.EqualTo(1));
        await reservations.SubmitAsync(Request("run-b/cell", time), ct);
        bmc.Count("reset");
        bmc.Count("reset");
        var metrics = api.App.Services.GetRequiredService<FarmMetrics>();
        metrics.ObservePhase("reimage", TimeSpan.FromSeconds(20), succeeded: true);
        metrics.CountStoreError("record-phase");
        metrics.CountRun("passed");
        if (scrape is not null) return await scrape(api);
        var (status, _, text, _) = await api.SendAsync(HttpMethod.Get, "/metrics", null);
        Assert.That(status, Is.EqualTo(System.Net.HttpStatusCode.OK), text);
        return text;
    }

    private static ReservationRequest Request(string id, TimeProvider time) => new()
    {
        Id = id, Plan = "lab-smoke", Profile = "epyc-9354-e810", SubmittedAt = time.GetUtcNow(),
        Topology = new Topology { Name = "n2", Roles = [new TopologyRole { Name = "node", Count = 2 }] },
    };

    [GeneratedRegex(@"^# TYPE (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$", RegexOptions.Multiline)]
    private static partial Regex SeriesLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""(?:[^""\\]|\\.)*""")]
    private static partial Regex LabelName();
}
