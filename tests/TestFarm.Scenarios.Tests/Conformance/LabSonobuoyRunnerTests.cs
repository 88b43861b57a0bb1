using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;
using TestFarm.Scenarios.Conformance;
using TestFarm.Scenarios.Import;
using TestFarm.Testing;
using TestFarm.Testing.Cluster;

namespace TestFarm.Scenarios.Tests.Conformance;

/// <summary>
/// The lab's conformance step: quick mode's spec done through the cluster API, written as a Sonobuoy results tarball
/// that the same reader as for <c>sonobuoy retrieve</c> tarballs counts (published format: shared/fixtures/sonobuoy).
/// </summary>
public sealed class LabSonobuoyRunnerTests
{
    [Test]
    public async Task Quick_mode_submits_and_removes_a_pod_and_writes_results_the_importer_counts_as_passed()
    {
        var time = new FakeTimeProvider(FakeTimeProviderExtensions.Start);
        var api = new FakeClusterApi(time) { PodStartDelay = TimeSpan.FromSeconds(3) };
        api.Seed(Node("node-1"));
        using var artifacts = new TempDirectory("lab-sonobuoy");

        var path = await time.DriveAsync(new LabSonobuoyRunner(time).RunAsync(Request(api, artifacts.Path, "quick")), TimeSpan.FromMilliseconds(250));

        Assert.That(Path.GetFileName(path), Does.Match(@"^202601010000_sonobuoy_[0-9a-f-]{36}\.tar\.gz$"));
        var e2e = SonobuoyResultsReader.Read(path).Single();
        Assert.That((e2e.Name, e2e.Status, e2e.Total, e2e.Passed, e2e.Failed, e2e.Skipped), Is.EqualTo(("e2e", "passed", 1, 1, 0, 0)));
        var cases = ConformanceStepExecutor.ReadE2eJUnit(path);
        Assert.That(cases.Select(c => (c.Name, c.Outcome)), Is.EqualTo(new[] { (LabSonobuoyRunner.QuickSpec, JUnitOutcome.Passed) }));

        var calls = api.Calls;
        var pod = calls.Single(c => c.StartsWith("APPLY Pod ", StringComparison.Ordinal))["APPLY Pod ".Length..];
        Assert.That(calls, Does.Contain($"DELETE Pod {pod}"), "the pod was removed");
        Assert.That(calls.Count(c => c == $"GET Pod {pod}"), Is.GreaterThan(2), "its phase was watched until Running");
        Assert.That(api.Snapshot("Pod"), Is.Empty);
        Assert.That(api.Snapshot("Namespace"), Is.Empty, "the test namespace is gone");
    }

    [Test]
    public async Task A_pod_that_never_runs_fails_the_spec_with_the_reason_and_the_importer_names_it()
    {
        var time = new FakeTimeProvider();
        var api = new FakeClusterApi(time) { PodStartDelay = TimeSpan.FromDays(1) };
        using var artifacts = new TempDirectory("lab-sonobuoy");

        var path = await time.DriveAsync(new LabSonobuoyRunner(time).RunAsync(Request(api, artifacts.Path, "quick") with { Timeout = TimeSpan.FromMinutes(2) }),
            TimeSpan.FromSeconds(5));

        var e2e = SonobuoyResultsReader.Read(path).Single();
        Assert.That((e2e.Status, e2e.Total, e2e.Passed, e2e.Failed), Is.EqualTo(("failed", 1, 0, 1)));
        Assert.That(e2e.FailedTests, Is.EqualTo(new[] { LabSonobuoyRunner.QuickSpec }));
        var failed = ConformanceStepExecutor.ReadE2eJUnit(path).Single();
        Assert.That(failed.Outcome, Is.EqualTo(JUnitOutcome.Failed));
        Assert.That(failed.Message, Does.Contain("not Running within 00:02:00: phase Pending"));
    }

    [Test]
    public void Modes_beyond_quick_are_refused_saying_they_need_the_sonobuoy_binary()
    {
        var api = new FakeClusterApi(TimeProvider.System);
        var refused = Assert.ThrowsAsync<NotSupportedException>(() =>
            new LabSonobuoyRunner(TimeProvider.System).RunAsync(Request(api, Path.GetTempPath(), "certified-conformance")));
        Assert.That(refused!.Message, Does.Contain("mode certified-conformance needs the sonobuoy binary"));
        Assert.That(api.Calls, Is.Empty);
    }

    private static SonobuoyRequest Request(IClusterApi api, string artifacts, string mode) => new()
    {
        Mode = mode, Timeout = TimeSpan.FromMinutes(30), ArtifactsDirectory = artifacts, Cluster = api,
    };

    private static JsonObject Node(string name) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Node", ["metadata"] = new JsonObject { ["name"] = name },
        ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }) },
    };
}
