using TestFarm.Core.Results;
using TestFarm.Core.Suites;
using TestFarm.Scenarios.Checks;

namespace TestFarm.Scenarios.Tests.Engine;

public sealed class ApiChecksTests
{
    [Test]
    public void CatalogueHasAtLeastSixtyChecksWithStableUniqueIds()
    {
        var all = ApiCheckCatalogue.All;
        Assert.That(all, Has.Count.GreaterThanOrEqualTo(60));
        Assert.That(all.Select(c => c.Id).Distinct().Count(), Is.EqualTo(all.Count));
        Assert.That(all.Select(c => c.Name).Distinct().Count(), Is.EqualTo(all.Count));
        // The id is a function of the name only: pinned so a refactor cannot silently renumber history.
        Assert.That(ApiCheck.StableId("nodes: all Ready"), Is.EqualTo(ApiCheck.StableId("nodes: all Ready")));
        Assert.That(ApiCheck.StableId("nodes: all Ready").ToString()[14], Is.EqualTo('8'));
    }

    [Test]
    public void EveryCheckPassesOrSkipsOnAHealthyCluster()
    {
        using var h = new CellHarness();
        var run = h.Run(CellHarness.Suite("api", CellHarness.Step(StepKinds.ApiChecks, "api", "workers: 4\nretries: 0")));
        var notPassed = run.Tests.Where(t => t.Verdict != Verdict.Passed).Select(t => $"{t.Name}: {t.Verdict} {t.Message}").ToList();
        Assert.That(run.Tests, Has.Count.EqualTo(ApiCheckCatalogue.All.Count));
        // Without a probe transport the VIP reachability check is skipped; profile labels are empty.
        Assert.That(notPassed, Is.EquivalentTo(new[]
        {
            "a LoadBalancer IP answers: Skipped no probe transport to reach the VIP from the farm",
            "nodes: profile labels are on the nodes: Skipped the profile has no labels",
        }));
    }

    [Test]
    public void NodeFactsAreCheckedAgainstTheProfile()
    {
        using var h = new CellHarness();
        h.With(c => c with { Profile = CellHarness.Profile with { MemoryGiB = 512, Arch = Core.Hardware.CpuArchitecture.Arm64 } });
        var run = h.Run(CellHarness.Suite("api", CellHarness.Step(StepKinds.ApiChecks, "api", "include: \"^nodes: (memory|architecture)\"")));
        Assert.That(run.Tests.Select(t => (t.Name, t.Verdict)), Is.EquivalentTo(new[]
        {
            ("nodes: memory matches the profile", Verdict.Failed),
            ("nodes: architecture matches the profile", Verdict.Failed),
        }));
        Assert.That(run.Tests.Single(t => t.Name.Contains("memory", StringComparison.Ordinal)).Message, Does.Contain("256.0 GiB, profile 512 GiB"));
    }

    [Test]
    public void SelectionByTagAndRegexAndSkipListPerProfile()
    {
        using var h = new CellHarness();
        var run = h.Run(CellHarness.Suite("api", CellHarness.Step(StepKinds.ApiChecks, "api", """
            tags: [metallb]
            excludeTags: [network]
            exclude: "advertises"
            skip:
              lab-amd64:
                - { match: "speaker", reason: "speaker checked by the chaos suite" }
              other-profile:
                - { match: ".*", reason: "never applies here" }
            """)));
        Assert.That(run.Tests.Select(t => (t.Name, t.Verdict, t.SkipReason)), Is.EquivalentTo(new (string, Verdict, string?)[]
        {
            ("namespace metallb-system exists", Verdict.Passed, null),
            ("pods in metallb-system are Ready", Verdict.Passed, null),
            ("MetalLB controller is available", Verdict.Passed, null),
            ("MetalLB speaker on every node", Verdict.Skipped, "speaker checked by the chaos suite"),
            ("CRD ipaddresspools.metallb.io is installed", Verdict.Passed, null),
            ("CRD l2advertisements.metallb.io is installed", Verdict.Passed, null),
            ("CRD bgppeers.metallb.io is installed", Verdict.Passed, null),
            ("MetalLB has an IPAddressPool with addresses", Verdict.Passed, null),
        }));
        Assert.That(run.Tests.All(t => Guid.TryParse(t.TestId, out _)), Is.True);
    }

    [Test]
    public void PerCheckTimeoutFailsOnlyThatCheck()
    {
        using var h = new CellHarness();
        h.Cluster.PodStartDelay = TimeSpan.FromHours(1);
        var run = h.Run(CellHarness.Suite("api", CellHarness.Step(StepKinds.ApiChecks, "api", "include: \"^(a pod starts|configmap round trip)\"\ntimeout: 30s")));
        Assert.That(run.Tests.Select(t => (t.Name, t.Verdict)), Is.EquivalentTo(new[]
        {
            ("configmap round trip", Verdict.Passed),
            ("a pod starts and becomes Ready", Verdict.Failed),
        }));
        Assert.That(run.Tests.Single(t => t.Verdict == Verdict.Failed).Message, Is.EqualTo("timed out after 30s"));
    }

    [Test]
    public void FailedThenPassedOnRerunIsFlaky()
    {
        using var h = new CellHarness();
        // DNS has one ready pod until 5s have passed: the first attempt fails, the rerun (10s later) passes.
        h.Cluster.Set("v1", "Pod", "kube-system", "coredns-1", ["status", "phase"], "Pending");
        h.Cluster.At(h.Time.GetUtcNow() + TimeSpan.FromSeconds(5), c => c.Set("v1", "Pod", "kube-system", "coredns-1", ["status", "phase"], "Running"));
        var step = CellHarness.Step(StepKinds.ApiChecks, "api", "include: \"^DNS runs at least 2 replicas$\"\nretries: 2");
        var run = h.Run(CellHarness.Suite("api", step));
        var t = run.Tests.Single();
        Assert.That((t.Verdict, t.Attempts), Is.EqualTo((Verdict.Flaky, 2)));
        Assert.That(t.Message, Does.StartWith("passed on attempt 2 after:"));
    }
}
