using System.Text.RegularExpressions;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Results;
using TestFarm.Core.Runs;
using TestFarm.Core.Scheduling;
using TestFarm.Server.Api;
using TestFarm.Server.Dashboard.Pages;
using TestFarm.Server.Dashboard.Plots;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Dashboard;

/// <summary>
/// The dashboard's plots over a known store: the numbers drawn (segments' seconds, points' rates, the queue's steps) are the
/// ones the store holds, each plot names itself (title, desc) and repeats its numbers in a table.
/// </summary>
public sealed partial class PlotsTests
{
    private static readonly DateTimeOffset T0 = FakeTimeProviderExtensions.Start;

    [Test]
    public void Phase_plot_stacks_each_cells_finished_phases_with_their_seconds()
    {
        PhaseView P(string name, string state, double? s) => new(name, state, T0, s, null);
        CellView C(string id, params PhaseView[] phases) => new(id, "p", "t", null, [], phases, new Dictionary<string, int>(), [], [], new Dictionary<string, string>());
        var cells = new[]
        {
            C("a/amd64", P("reserve", "Succeeded", 1.5), P("reimage", "Succeeded", 12), P("reimage/power-off", "Succeeded", 2), P("suites", "Failed", 30.26)),
            C("b<arm>", P("reserve", "Succeeded", 0.5), P("reimage", "Running", null)),
        };
        var svg = PhasePlot.Render("run-1", cells).Value;

        Assert.That(Segments(svg, "a/amd64"), Is.EqualTo(new[] { ("reserve", "1.5"), ("reimage", "12"), ("suites", "30.3") }), "sub-steps are not counted twice; rounded to 0.1 s");
        Assert.That(Segments(svg, "b&lt;arm&gt;"), Is.EqualTo(new[] { ("reserve", "0.5") }), "a running phase has no length yet");
        Assert.That(svg, Does.Contain("data-cell=\"a/amd64\" data-total=\"43.8\"").And.Contain("data-cell=\"b&lt;arm&gt;\" data-total=\"0.5\""));
        Assert.That(svg, Does.Contain("role=\"img\" aria-labelledby=\"phase-plot-t phase-plot-d\"").And.Contain("<title id=\"phase-plot-t\">Phase durations per cell of run run-1</title>"));
        Assert.That(svg, Does.Contain("<td>a/amd64</td><td>1.5</td><td>12</td><td>30.3</td><td>43.8</td>"), "the table fallback");
        Assert.That(svg, Does.Contain("fill=\"#cf222e\" data-phase=\"suites\""), "a failed phase is red");
    }

    [Test]
    public void A_tests_pass_rate_is_per_run_over_its_cells_oldest_first()
    {
        TestRunEntry E(string run, int minute, string cell, string verdict) => new(run, cell, "p", "plan", "s", "t", verdict, T0.AddMinutes(minute), 10);
        // Newest first, as the store gives the history: r2 passed in one cell and was flaky in the other; r1 failed one of two, one skipped.
        var points = TestPage.Points([E("r2", 2, "a", "Passed"), E("r2", 2, "b", "Flaky"), E("r1", 1, "a", "Failed"), E("r1", 1, "b", "Passed"), E("r1", 1, "c", "Skipped")]);
        Assert.That(points.Select(p => (p.RunId, p.Counted, p.Passed, p.Rate)), Is.EqualTo(new (string, int, int, double?)[] { ("r1", 2, 1, 50.0), ("r2", 2, 2, 100.0) }));
        var svg = PassRatePlot.Render("t-plot", "t", points).Value;
        Assert.That(svg, Does.Contain("data-run=\"r1\" data-rate=\"50\"").And.Contain("data-run=\"r2\" data-rate=\"100\""));
    }

    [Test]
    public void Queue_steps_count_the_requests_waiting_between_submission_and_grant()
    {
        var from = T0;
        var to = T0.AddHours(24);
        var waits = new[]
        {
            new QueueWait(from.AddHours(-1), from.AddHours(2), null),          // waiting when the window opens
            new QueueWait(from.AddHours(1), from.AddHours(3), from.AddHours(5)), // granted at 3
            new QueueWait(from.AddHours(1), null, from.AddHours(4)),            // cancelled at 4
            new QueueWait(from.AddHours(20), null, null),                       // still waiting
        };
        var steps = QueuePlot.Steps(waits, from, to);
        Assert.That(steps, Is.EqualTo(new[] { (from, 1), (from.AddHours(1), 3), (from.AddHours(2), 2), (from.AddHours(3), 1), (from.AddHours(4), 0), (from.AddHours(20), 1) }));
        var svg = QueuePlot.Render(waits, from, to).Value;
        Assert.That(svg, Does.Contain("data-peak=\"3\" data-now=\"1\" data-steps=\"5\""));
        Assert.That(svg, Does.Contain("Peak 3 waiting at 2026-01-01 01:00:00Z; 1 waiting now"));
        Assert.That(svg, Does.Contain("<td>2026-01-01 01:00:00Z to 02:00:00Z</td><td>3</td>").And.Contain("<td>2026-01-01 05:00:00Z to 06:00:00Z</td><td>0</td>"));
    }

    [Test]
    public async Task Runs_and_queue_plots_draw_what_the_store_holds()
    {
        var time = new FakeTimeProvider(T0);
        var dir = Directory.CreateTempSubdirectory("tf-plots-");
        try
        {
            var store = await SqlFarmStore.OpenSqliteAsync(Path.Combine(dir.FullName, "farm.db"), time);
            // Three finished nightly runs (2/4, 4/4 with a flaky, none counted) and one still running: rates 50, 100, gap.
            await RunAsync(store, time, "n1", "nightly", [Verdict.Passed, Verdict.Failed, Verdict.Passed, Verdict.InfraError, Verdict.Skipped]);
            await RunAsync(store, time, "n2", "nightly", [Verdict.Passed, Verdict.Flaky, Verdict.Passed, Verdict.Passed]);
            await RunAsync(store, time, "n3", "nightly", [Verdict.Skipped]);
            await store.CreateRunAsync("n4", "nightly", "nightly", null, ["c"]);
            await RunAsync(store, time, "p1", "pr-smoke", [Verdict.Failed]);

            var rates = await store.RunPassRatesAsync("nightly", 30);
            Assert.That(rates.Select(r => (r.RunId, r.Counted, r.Passed)), Is.EqualTo(new[] { ("n1", 4, 2), ("n2", 4, 4), ("n3", 0, 0) }));
            var html = (await RunsPage.PlotsAsync(store, ["nightly", "pr-smoke"], new RunFilter(), default)).Value;
            Assert.That(Points(html), Is.EqualTo(new[] { ("n1", "50"), ("n2", "100"), ("p1", "0") }));
            Assert.That(html, Does.Contain("<td>n3</td><td>2026-01-01 00:03:00Z</td><td>0</td><td>0</td><td>&#x2014;</td>"), "a run without counted tests is a gap, said so in the table");
            var filtered = (await RunsPage.PlotsAsync(store, ["nightly", "pr-smoke"], new RunFilter { Plan = "pr-smoke" }, default)).Value;
            Assert.That(Points(filtered), Is.EqualTo(new[] { ("p1", "0") }));

            // The queue: r1 waits 10 min and is granted; r2 waits from 5 min on and is still waiting.
            await store.RegisterAsync([new MachineRegistration("m1", "p", "l2")]);
            var start = time.GetUtcNow();
            await store.EnqueueAsync(Request("r1", start));
            time.Advance(TimeSpan.FromMinutes(5));
            await store.EnqueueAsync(Request("r2", time.GetUtcNow()));
            time.Advance(TimeSpan.FromMinutes(5));
            var claim = await store.ClaimMachinesAsync("farm", "r1", ["m1"], TimeSpan.FromHours(1));
            await store.SetStateAsync("r1", RequestState.Granted, "granted", claim.Lease!.Id);
            time.Advance(TimeSpan.FromMinutes(5));
            var now = time.GetUtcNow();
            var waits = await store.QueueWaitsAsync(now.AddHours(-24), now);
            Assert.That(waits, Is.EqualTo(new[] { new QueueWait(start, start.AddMinutes(10), null), new QueueWait(start.AddMinutes(5), null, null) }));
            var queue = QueuePlot.Render(waits, now.AddHours(-24), now).Value;
            Assert.That(queue, Does.Contain("data-peak=\"2\" data-now=\"1\" data-steps=\"3\""));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static ReservationRequest Request(string id, DateTimeOffset at) => new()
    {
        Id = id, Plan = "nightly", Profile = "p", SubmittedAt = at,
        Topology = new Topology { Name = "one", Roles = [new TopologyRole { Name = "node", Count = 1 }] },
    };

    private static async Task RunAsync(SqlFarmStore store, FakeTimeProvider time, string id, string plan, Verdict[] verdicts)
    {
        time.Advance(TimeSpan.FromMinutes(1));
        await store.CreateRunAsync(id, plan, "nightly", null, ["c"]);
        await store.TakeCellAttemptAsync(id, "c", "test");
        await store.CompleteCellAsync(id, new CellResult
        {
            CellId = "c", Plan = plan, Profile = "p", Arch = "amd64", Topology = "one", Verdict = Verdict.Passed,
            Tests = [.. verdicts.Select((v, i) => new TestResult { TestId = $"t{i}", Name = $"t{i}", Suite = "s", Verdict = v })],
        });
        await store.EndRunAsync(id, RunState.Passed, RunState.Passed, "done");
    }

    private static List<(string Phase, string Seconds)> Segments(string svg, string cell)
    {
        var group = svg[svg.IndexOf($"data-cell=\"{cell}\"", StringComparison.Ordinal)..];
        group = group[..group.IndexOf("</g>", StringComparison.Ordinal)];
        return [.. Segment().Matches(group).Select(m => (m.Groups[1].Value, m.Groups[2].Value))];
    }

    private static List<(string Run, string Rate)> Points(string html) => [.. Point().Matches(html).Select(m => (m.Groups[1].Value, m.Groups[2].Value))];

    [GeneratedRegex("data-phase=\"([^\"]+)\" data-seconds=\"([^\"]+)\"")]
    private static partial Regex Segment();

    [GeneratedRegex("data-run=\"([^\"]+)\" data-rate=\"([^\"]+)\"")]
    private static partial Regex Point();
}
