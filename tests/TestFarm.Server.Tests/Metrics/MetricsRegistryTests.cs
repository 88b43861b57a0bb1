using TestFarm.Server.Metrics;

namespace TestFarm.Server.Tests.Metrics;

public sealed class MetricsRegistryTests
{
    [Test]
    public void Counters_gauges_and_histograms_render_in_the_prometheus_text_format()
    {
        var metrics = new MetricsRegistry();
        metrics.Increment("testfarm_bmc_errors_total", "BMC calls that failed.", new Dictionary<string, string> { ["machine"] = "m1" });
        metrics.Increment("testfarm_bmc_errors_total", "BMC calls that failed.", new Dictionary<string, string> { ["machine"] = "m1" });
        metrics.Gauge("testfarm_machines", "Machines by state and profile.", () =>
        [
            (new Dictionary<string, string> { ["state"] = "Available", ["profile"] = "epyc \"9354\"" }, 3),
        ]);
        metrics.Observe("testfarm_phase_seconds", "Phase durations.", 7, new Dictionary<string, string> { ["phase"] = "reimage" }, [5, 10]);
        metrics.Observe("testfarm_phase_seconds", "Phase durations.", 12, new Dictionary<string, string> { ["phase"] = "reimage" }, [5, 10]);

        var text = metrics.Render();

        Assert.That(text, Is.EqualTo(
            "# HELP testfarm_bmc_errors_total BMC calls that failed.\n" +
            "# TYPE testfarm_bmc_errors_total counter\n" +
            "testfarm_bmc_errors_total{machine=\"m1\"} 2\n" +
            "# HELP testfarm_machines Machines by state and profile.\n" +
            "# TYPE testfarm_machines gauge\n" +
            "testfarm_machines{profile=\"epyc \\\"9354\\\"\",state=\"Available\"} 3\n" +
            "# HELP testfarm_phase_seconds Phase durations.\n" +
            "# TYPE testfarm_phase_seconds histogram\n" +
            "testfarm_phase_seconds_bucket{phase=\"reimage\",le=\"5\"} 0\n" +
            "testfarm_phase_seconds_bucket{phase=\"reimage\",le=\"10\"} 1\n" +
            "testfarm_phase_seconds_bucket{phase=\"reimage\",le=\"+Inf\"} 2\n" +
            "testfarm_phase_seconds_sum{phase=\"reimage\"} 19\n" +
            "testfarm_phase_seconds_count{phase=\"reimage\"} 2\n"));
    }
}
