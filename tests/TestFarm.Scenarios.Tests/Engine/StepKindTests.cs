using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Probes;
using TestFarm.Core.Results;
using TestFarm.Core.Suites;
using TestFarm.Scenarios.Conformance;
using TestFarm.Testing;

namespace TestFarm.Scenarios.Tests.Engine;

public sealed class StepKindTests
{
    [Test]
    public void ConformanceStepImportsTheE2eJUnitOfARecordedTarball()
    {
        using var h = new CellHarness();
        h.With(c => c with { Sonobuoy = new ImportingSonobuoyRunner(Fixtures.Shared("sonobuoy", "results-4-e2e-failures.tar.gz")) });
        var run = h.Run(CellHarness.Suite("conformance-certified", CellHarness.Step(StepKinds.Conformance, "e2e", "mode: certified-conformance")));

        Assert.That(VerdictCounts.Of(run.Tests), Is.EqualTo(new VerdictCounts(25, 21, 4, 0, 0, 0, 0)));
        Assert.That(run.Verdict, Is.EqualTo(Verdict.Failed));
        Assert.That(run.Tests.Where(t => t.Verdict == Verdict.Failed).Select(t => t.Name),
            Has.Member("[sig-apps] Daemon set [Serial] should rollback without unnecessary restarts [Conformance]"));
        Assert.That(run.Tests[0].Tags, Does.Contain("Conformance"));
        Assert.That(File.Exists(Path.Combine(h.Artifacts.Path, "results-4-e2e-failures.tar.gz")), Is.True, "the tarball is kept as an artifact");
    }

    [Test]
    public void ConformanceWithoutRunnerIsAnInfraErrorThatSaysWhy()
    {
        using var h = new CellHarness();
        var run = h.Run(ShippedSuites.Load("conformance-quick"));
        var conformance = run.Tests.Single(t => t.TestId == "conformance:sonobuoy-quick");
        Assert.That(conformance.Verdict, Is.EqualTo(Verdict.InfraError));
        Assert.That(conformance.Message, Does.Contain("sonobuoy binary is not available"));
        Assert.That(run.Tests.Where(t => t.Tags.Contains("probe")).Select(t => t.Verdict), Is.All.EqualTo(Verdict.Passed));
    }

    [Test]
    public void JUnitStepKeepsEveryCase()
    {
        using var h = new CellHarness();
        var file = Fixtures.Shared("conformance", "v1.13_kubeadm", "junit_01.xml");
        var run = h.Run(CellHarness.Suite("junit", CellHarness.Step(StepKinds.JUnit, "k", $"file: \"{file}\"")));
        Assert.That(VerdictCounts.Of(run.Tests), Is.EqualTo(new VerdictCounts(1946, 200, 0, 0, 0, 1746, 0)));
        Assert.That(run.Verdict, Is.EqualTo(Verdict.Passed));
    }

    [Test]
    public void ABrokenJUnitFileIsAnInfraErrorNamingTheLine()
    {
        using var h = new CellHarness();
        File.WriteAllText(h.Artifacts.File("broken.xml"), "<testsuite>\n<testcase name='a'>\n</testsuite>");
        var run = h.Run(CellHarness.Suite("junit", CellHarness.Step(StepKinds.JUnit, "k", "file: broken.xml")));
        var t = run.Tests.Single();
        Assert.That(t.Verdict, Is.EqualTo(Verdict.InfraError));
        Assert.That(t.Message, Does.Contain("broken.xml:3:"));
    }

    [Test]
    public void ProbeStepWaitsUntilHealthyAndFailsPastTheDeadline()
    {
        using var h = new CellHarness();
        h.Cluster.SetNodeReady("w-1", false);
        h.Cluster.At(h.Time.GetUtcNow() + TimeSpan.FromSeconds(12), c => c.SetNodeReady("w-1", true));
        var run = h.Run(CellHarness.Suite("probe", CellHarness.Step(StepKinds.Probe, "p", """
            deadline: 1m
            probeInterval: 5s
            probes:
              - { type: nodes-ready, name: nodes }
              - { type: ceph-health, name: ceph, accept: [HEALTH_ERR] }
            """)));
        Assert.That(run.Tests.Select(t => (t.Name, t.Verdict)), Is.EqualTo(new[] { ("p: nodes", Verdict.Passed), ("p: ceph", Verdict.Failed) }));
        Assert.That(run.Tests[0].Duration, Is.EqualTo(TimeSpan.FromSeconds(15)));
        Assert.That(run.Tests[1].Message, Does.StartWith("not healthy within 60s: CephCluster rook-ceph health HEALTH_OK"));
    }

    [Test]
    public async Task A_suite_stopped_at_its_deadline_keeps_what_ran_and_names_what_did_not()
    {
        using var h = new CellHarness();
        h.Cluster.SetNodeReady("w-1", false); // the second step waits for it in vain
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90), h.Time);
        var run = await h.RunStoppableAsync(CellHarness.Suite("chaos",
            CellHarness.Step(StepKinds.Probe, "before", "deadline: 1m\nprobes:\n  - { type: ceph-health, name: ceph }"),
            CellHarness.Step(StepKinds.Probe, "nodes", "deadline: 10m\nprobes:\n  - { type: nodes-ready, name: nodes }"),
            CellHarness.Step(StepKinds.Probe, "after", "deadline: 1m\nprobes:\n  - { type: ceph-health, name: ceph }")),
            deadline.Token);

        Assert.That(run.Tests.Select(t => (t.Name, t.Verdict)), Is.EqualTo(new[]
        {
            ("before: ceph", Verdict.Passed), ("nodes", Verdict.InfraError), ("after", Verdict.InfraError),
        }));
        Assert.That(run.Tests[1].Message, Does.Contain("stopped after").And.Contain("deadline passed or run cancelled"));
        Assert.That(run.Tests[2].Message, Does.Contain("not run"));
    }

    [Test]
    public async Task A_probe_deaf_to_its_timeout_is_abandoned_with_a_bad_outcome()
    {
        using var h = new CellHarness();
        var run = new StepRun(h.Cell, "chaos", new SuiteRecorder());
        var check = ProbeLoop.CheckOnceAsync(new DeafProbe(), run, TimeSpan.FromSeconds(10), CancellationToken.None);

        for (var i = 0; i < 60 && !check.IsCompleted; i++) h.Time.Advance(TimeSpan.FromSeconds(1));
        var outcome = await check.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(outcome.Healthy, Is.False);
        Assert.That(outcome.Detail, Does.Contain("no answer within 10s").And.Contain("abandoned"));
    }

    private sealed class DeafProbe : IProbe
    {
        public string Name => "deaf";
        public Task<ProbeOutcome> CheckAsync(StepRun run, CancellationToken cancellationToken) => new TaskCompletionSource<ProbeOutcome>().Task;
    }

    [Test]
    public void LoadStepCreatesAtTheRateAndReportsLatencies()
    {
        using var h = new CellHarness();
        var start = h.Time.GetUtcNow();
        var run = h.Run(CellHarness.Suite("load", CellHarness.Step(StepKinds.Load, "pods", "pods: 10\nrate: 2\nmaxLatency: 10s")));
        var t = run.Tests.Single();
        Assert.That(t.Verdict, Is.EqualTo(Verdict.Passed), t.Message);
        Assert.That(t.Message, Does.StartWith("10 pods at 2/s: Ready p50 5s p95 5s max 5s"));
        Assert.That(h.Cluster.Calls.Count(c => c.StartsWith("APPLY Pod", StringComparison.Ordinal)), Is.EqualTo(10));
        Assert.That(h.Cluster.Snapshot("Pod").Where(p => p["metadata"]!["name"]!.ToString().StartsWith("testfarm-load", StringComparison.Ordinal)), Is.Empty);
        Assert.That(t.Start, Is.EqualTo(start));
    }

    [Test]
    public void ApiSmokeRunsAtLeastSixtyChecksAndPassesOnAHealthyCluster()
    {
        using var h = new CellHarness();
        var run = h.Run(ShippedSuites.Load("api-smoke"));
        Assert.That(run.Tests, Has.Count.GreaterThanOrEqualTo(60));
        Assert.That(run.Verdict, Is.EqualTo(Verdict.Passed));
        Assert.That(run.Tests.Single(t => t.Name == "kube-proxy on every node").SkipReason, Does.Contain("kube-proxy replacement"));
    }

    [Test]
    public void AnUnreachableClusterMakesInfraErrorsNotProductFailures()
    {
        using var h = new CellHarness();
        h.Cluster.FailWith = new Core.Cluster.ClusterApiException("connection refused");
        var run = h.Run(CellHarness.Suite("api", CellHarness.Step(StepKinds.ApiChecks, "api", "tags: [smoke]\nexcludeTags: [write]")));
        Assert.That(run.Tests.Select(t => t.Verdict).Distinct(), Is.EqualTo(new[] { Verdict.InfraError }));
        Assert.That(run.Verdict, Is.EqualTo(Verdict.InfraError));
    }
}
