using TestFarm.Scenarios.Import;
using TestFarm.Testing;

namespace TestFarm.Scenarios.Tests.Import;

/// <summary>Every tarball gives the counts listed in sonobuoy/SOURCE.md, as <c>sonobuoy results</c> prints them.</summary>
public sealed class SonobuoyFixtureTests
{
    private static IReadOnlyList<SonobuoyPluginResult> Read(string name) =>
        SonobuoyResultsReader.Read(Fixtures.Shared("sonobuoy", name));

    private static string Row(SonobuoyPluginResult p) =>
        $"{p.Name} {p.Status} {p.Total}/{p.Passed}/{p.Failed}/{p.Skipped}" +
        (p.Other.Count == 0 ? "" : " " + string.Join(",", p.Other.Select(o => $"{o.Key}:{o.Value}")));

    [Test]
    public void FourE2eFailures()
    {
        var plugins = Read("results-4-e2e-failures.tar.gz");
        Assert.That(plugins.Select(Row), Is.EqualTo(new[] { "e2e failed 5771/21/4/5746", "systemd-logs passed 1/1/0/0" }));
        Assert.That(plugins[0].FailedTests, Is.EqualTo(new[]
        {
            "[sig-scheduling] SchedulerPreemption [Serial] validates basic preemption works [Conformance]",
            "[sig-apps] Daemon set [Serial] should rollback without unnecessary restarts [Conformance]",
            "[sig-scheduling] SchedulerPreemption [Serial] validates lower priority pod preemption by critical pod [Conformance]",
            "[sig-scheduling] SchedulerPredicates [Serial] validates resource limits of pods that are allowed to run  [Conformance]",
        }));
    }

    [Test]
    public void QuickNoFailures() =>
        Assert.That(Read("results-quick-no-failures.tar.gz").Select(Row),
            Is.EqualTo(new[] { "e2e passed 5771/1/0/5770", "systemd-logs passed 1/1/0/0" }));

    [Test]
    public void ModifiedUnitTestTarballWithCustomStatuses() =>
        Assert.That(Read("testResultsOutput.tar.gz").Select(Row), Is.EqualTo(new[]
        {
            "arbitrary-details complete 2/0/0/0 complete:2",
            "custom-status custom-overall-status 7/1/1/1 complete:2,custom:2",
            "e2e failed 3/1/1/1",
            "e2eds failed 3/1/1/1",
            "singlefile passed 1/1/0/0",
            "singlefileds passed 1/1/0/0",
            "tar passed 2/2/0/0",
            "tarresultsds passed 2/2/0/0",
        }));

    [Test]
    public void JsonHasTheIssueShape() =>
        Assert.That(ImportSummary.SonobuoyJson(Read("results-quick-no-failures.tar.gz")), Is.EqualTo(
            "{\"plugins\":[{\"name\":\"e2e\",\"status\":\"passed\",\"total\":5771,\"passed\":1,\"failed\":0,\"skipped\":5770}," +
            "{\"name\":\"systemd-logs\",\"status\":\"passed\",\"total\":1,\"passed\":1,\"failed\":0,\"skipped\":0}]}"));

    [Test]
    public void NotATarballIsAClearError()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("x.tar.gz"), "not gzip");
        var ex = Assert.Throws<ResultImportException>(() => SonobuoyResultsReader.Read(dir.File("x.tar.gz")));
        Assert.That(ex!.Message, Does.StartWith(dir.File("x.tar.gz")));
    }
}
