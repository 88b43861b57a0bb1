using TestFarm.Scenarios.Import;
using TestFarm.Testing;

namespace TestFarm.Scenarios.Tests.Import;

/// <summary>The import agrees with the published counts of every real submission (conformance/README.md).</summary>
public sealed class ConformanceFixtureTests
{
    // folder, junit tests/passed/skipped, log ran/total/passed/skipped
    private static readonly object[] Published =
    [
        new object[] { "v1.13_kubeadm", 1946, 200, 1746, 200, 1946, 200, 1746 },
        new object[] { "v1.17_talos", 4814, 280, 4534, 280, 4814, 280, 4534 },
        new object[] { "v1.19_k3s", 5232, 305, 4927, 305, 5232, 305, 4927 },
        new object[] { "v1.20_openshift", 311, 311, 0, 291, 5670, 291, 5379 },
        new object[] { "v1.22_kubespray", 6433, 346, 6087, 346, 6433, 346, 6087 },
    ];

    [TestCaseSource(nameof(Published))]
    public void JUnitAndLogMatchThePublishedCounts(string folder, int tests, int passed, int skipped,
        int ran, int total, int logPassed, int logSkipped)
    {
        var junit = JUnitReader.Read(Fixtures.Shared("conformance", folder, "junit_01.xml"));
        var log = GinkgoSummaryParser.Parse(Fixtures.Shared("conformance", folder, "e2e.log.tail50"));

        Assert.That(junit.Root, Is.EqualTo("testsuite"));
        Assert.That(junit.Counts, Is.EqualTo(new JUnitCounts(tests, passed, 0, skipped, 0)));
        Assert.That((log.Ran, log.Total, log.Passed, log.Failed, log.Pending, log.Skipped, log.Success),
            Is.EqualTo((ran, total, logPassed, 0, 0, logSkipped, true)));
    }

    [TestCaseSource(nameof(Published))]
    public void OnlyOpenShiftDisagrees(string folder, int tests, int passed, int skipped,
        int ran, int total, int logPassed, int logSkipped)
    {
        var summary = ImportSummary.Create(
            JUnitReader.Read(Fixtures.Shared("conformance", folder, "junit_01.xml")).Counts,
            GinkgoSummaryParser.Parse(Fixtures.Shared("conformance", folder, "e2e.log.tail50")));

        if (folder == "v1.20_openshift")
        {
            Assert.That(summary.Disagreements, Is.EquivalentTo(new[]
            {
                new CountDisagreement("tests", 311, 5670),
                new CountDisagreement("passed", 311, 291),
                new CountDisagreement("skipped", 0, 5379),
            }));
            Assert.That(summary.ToJson(), Does.Contain("\"disagreement\":{\"tests\":{\"junit\":311,\"log\":5670}"));
        }
        else
        {
            Assert.That(summary.Disagreements, Is.Empty);
            Assert.That(summary.ToJson(), Does.Not.Contain("disagreement"));
        }
        Assert.That(summary.ToJson(), Does.StartWith(
            $"{{\"tests\":{tests},\"passed\":{passed},\"failed\":0,\"skipped\":{skipped},\"errors\":0,\"log\":{{\"ran\":{ran},\"total\":{total}"));
    }
}
