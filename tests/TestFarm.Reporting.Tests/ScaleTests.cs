using System.Diagnostics;
using TestFarm.Core.Results;
using TestFarm.Testing;
using TestFarm.Testing.GitHub;

namespace TestFarm.Reporting.Tests;

public sealed class ScaleTests
{
    [Test]
    public void A_release_run_of_60_cells_and_3000_tests_renders_every_report_quickly()
    {
        var cells = Enumerable.Range(0, 60).Select(i =>
        {
            var tests = Enumerable.Range(0, 50).Select(t => SampleRuns.Test(t % 2 == 0 ? "conformance" : "chaos", $"test-{t:00}",
                t == 7 && i % 5 == 0 ? Verdict.Failed : Verdict.Passed, message: "m")).ToList();
            return SampleRuns.Cell($"profile-{i % 12:00}", i % 3 == 0 ? "arm64" : "amd64", $"topo-{i / 12}", Verdict.Passed, tests)
                with { CellId = $"release/profile-{i % 12:00}/topo-{i / 12}" };
        }).ToList();
        var run = SampleRuns.Mixed() with { Plan = "release", Cells = cells };
        using var dir = new TempDirectory();

        var parts = Stopwatch.StartNew();
        JUnit.JUnitWriter.Run(run).Save(dir.File("j.xml"));
        var junitMs = parts.ElapsedMilliseconds; parts.Restart();
        Allure.AllureWriter.Write(run, dir.File("a"));
        var allureMs = parts.ElapsedMilliseconds; parts.Restart();
        var data = Qualification.QualificationBuilder.Build(run, new ReportOptions { Previous = run });
        var buildMs = parts.ElapsedMilliseconds; parts.Restart();
        Qualification.HtmlReport.Render(data);
        var htmlMs = parts.ElapsedMilliseconds;
        TestContext.Out.WriteLine($"junit {junitMs} ms, allure {allureMs} ms, compare {buildMs} ms, html {htmlMs} ms");
        var watch = Stopwatch.StartNew();
        var rendered = RunReports.RenderAll(run, dir.Path, new ReportOptions { Previous = run });
        watch.Stop();

        Assert.That(rendered.AllureResultCount, Is.EqualTo(3000));
        var htmlBytes = new FileInfo(rendered.Html).Length;
        TestContext.Out.WriteLine($"3000 tests / 60 cells: all reports in {watch.ElapsedMilliseconds} ms; report.html {htmlBytes / 1024} KiB");
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "the machine is shared; this bounds a regression, not a benchmark");
        Assert.That(File.ReadAllText(rendered.Html), Does.Contain("Still failing (12)"));
    }
}
