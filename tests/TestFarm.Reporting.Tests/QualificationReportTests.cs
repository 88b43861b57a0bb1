using Microsoft.Playwright;
using TestFarm.Core.Results;
using TestFarm.Reporting.Qualification;
using TestFarm.Testing;
using TestFarm.Testing.GitHub;

namespace TestFarm.Reporting.Tests;

public sealed class QualificationReportTests
{
    [Test]
    public void Comparison_with_a_previous_run_finds_new_failures_fixed_and_still_failing()
    {
        var data = QualificationBuilder.Build(SampleRuns.Mixed(), new ReportOptions { Previous = SampleRuns.Previous() });

        Assert.That(data.NewFailures.Select(l => $"{l.CellId}:{l.Name}"), Is.EqualTo(new[] { "pr-smoke/ampere-mlx5/3cp:pods-run" }));
        Assert.That(data.StillFailing.Select(l => $"{l.CellId}:{l.Name}"), Is.EqualTo(new[] { "pr-smoke/epyc-e810/1cp2w:dns-resolves" }));
        Assert.That(data.Fixed.Select(l => $"{l.CellId}:{l.Name}"), Is.EqualTo(new[] { "pr-smoke/epyc-e810/3cp:kill-etcd-leader" }));
        Assert.That(data.Flaky, Has.Count.EqualTo(1));
        Assert.That(data.Quarantined, Has.Count.EqualTo(1));
        Assert.That(data.Matrix[("epyc-e810", "conformance")], Is.EqualTo(new MatrixEntry(Verdict.Failed, 3, 4)));
        Assert.That(data.Matrix[("ampere-mlx5", "conformance")].Worst, Is.EqualTo(Verdict.InfraError));
        Assert.That(data.PassRate, Is.EqualTo(5.0 / 7).Within(1e-9));
    }

    [Test]
    public void Html_is_self_contained_and_encodes_untrusted_text()
    {
        var run = SampleRuns.Mixed();
        var cells = run.Cells.ToList();
        cells[1] = cells[1] with { Tests = [SampleRuns.Test("conformance", "<script>alert(1)</script>", Verdict.Failed, message: "<img src=x onerror=alert(2)>")] };
        var html = HtmlReport.Render(QualificationBuilder.Build(run with { Cells = cells }));

        Assert.That(html, Does.Not.Contain("<script"));
        Assert.That(html, Does.Not.Contain("<img"));
        Assert.That(html, Does.Contain("&lt;script&gt;alert(1)&lt;/script&gt;"));
        Assert.That(html, Does.Not.Contain("http://").And.Not.Contain("https://").And.Not.Contain("<link"));
        Assert.That(html, Does.Contain("<svg"));
    }

    [Test]
    public void Markdown_twin_has_the_matrix_and_the_evidence()
    {
        var md = MarkdownReport.Render(QualificationBuilder.Build(SampleRuns.Mixed(), new ReportOptions { Previous = SampleRuns.Previous() }));
        Assert.That(md, Does.Contain("| epyc-e810 | ❌ failed 3/4 |"));
        Assert.That(md, Does.Contain("## New failures (1)"));
        Assert.That(md, Does.Contain("- rook: `v1.16.4`"));
        Assert.That(md, Does.Contain("memory: declared 256 GiB, observed 240 GiB"));
        Assert.That(md, Does.Contain("nslookup kubernetes.default: &lt;no answer&gt; &amp; timeout"));
    }

    [Test]
    public async Task Html_report_renders_in_headless_chromium_and_a_screenshot_is_kept()
    {
        using var dir = new TempDirectory();
        var reports = RunReports.RenderAll(SampleRuns.Mixed(), dir.Path, new ReportOptions { Previous = SampleRuns.Previous() });

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Timeout = 60_000,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var external = new List<string>();
        page.Request += (_, request) => { if (!request.Url.StartsWith("file:", StringComparison.Ordinal)) external.Add(request.Url); };
        await page.GotoAsync(new Uri(reports.Html).AbsoluteUri, new PageGotoOptions { Timeout = 30_000 });

        var matrix = await page.InnerTextAsync("#matrix");
        Assert.That(matrix, Does.Contain("epyc-e810").And.Contain("ampere-mlx5").And.Contain("infra-error"));
        Assert.That(await page.InnerTextAsync("#pass-rate"), Is.EqualTo("71.4%"));
        var body = await page.InnerTextAsync("body");
        Assert.That(body, Does.Contain("New failures (1)").And.Contain("Fixed (1)").And.Contain("Still failing (1)"));
        Assert.That(body, Does.Contain("sha256:4f1c0e5b9a7d").And.Contain("kubeadm init timed out"));
        Assert.That(await page.Locator("svg").CountAsync(), Is.EqualTo(2));
        Assert.That(external, Is.Empty);

        var screenshot = Path.Combine(TestContext.CurrentContext.WorkDirectory, "qualification-report.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.That(new FileInfo(screenshot).Length, Is.GreaterThan(10_000));
        TestContext.AddTestAttachment(screenshot, "qualification report in headless Chromium");
    }
}
