using TestFarm.Testing;
using TestFarm.Testing.GitHub;

namespace TestFarm.Reporting.Tests;

public sealed class RunReportsTests
{
    [Test]
    public void Render_all_writes_every_report_and_a_run_json_that_reads_back()
    {
        using var dir = new TempDirectory();
        var run = SampleRuns.Mixed();
        var rendered = RunReports.RenderAll(run, dir.Path);

        Assert.That(rendered.JUnitPerCell.Select(Path.GetFileName), Is.EqualTo(new[]
        {
            "pr-smoke_epyc-e810_3cp.xml", "pr-smoke_epyc-e810_1cp2w.xml", "pr-smoke_ampere-mlx5_3cp.xml",
        }));
        Assert.That(new[] { rendered.JUnitMerged, rendered.Html, rendered.Markdown, rendered.RunJson }.All(File.Exists));
        Assert.That(rendered.AllureResultCount, Is.EqualTo(8));

        var back = RunResultJson.Read(dir.Path);
        Assert.That(back.Cells.Select(c => c.Verdict), Is.EqualTo(run.Cells.Select(c => c.Verdict)));
        Assert.That(back.Cells[0].Recoveries["kill-etcd-leader"], Is.EqualTo(TimeSpan.FromSeconds(7.5)));
        Assert.That(back.Cells[2].Phases.Single(p => !p.Succeeded).Error, Is.EqualTo("kubeadm init timed out after 15m"));
        Assert.That(back.Cells[1].Tests[1].Message, Is.EqualTo(run.Cells[1].Tests[1].Message));
        Assert.That(File.ReadAllText(rendered.RunJson), Does.Contain("\"InfraError\""));
    }

    [Test]
    public void A_minimal_run_json_reads_with_empty_defaults_and_renders()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("run.json"), """
            {"runId":"n1","plan":"nightly","trigger":"nightly","cells":[{"cellId":"nightly/epyc/3cp","plan":"nightly",
             "profile":"epyc","arch":"amd64","topology":"3cp","verdict":"Failed",
             "tests":[{"testId":"c.b","name":"b","suite":"conformance","verdict":"Failed","duration":"00:00:05"}]}]}
            """);
        var run = RunResultJson.Read(dir.Path);
        Assert.That(run.Cells[0].Machines, Is.Empty);
        Assert.That(run.Cells[0].Tests[0].Tags, Is.Empty);
        var rendered = RunReports.RenderAll(run, dir.File("out"));
        Assert.That(File.ReadAllText(rendered.JUnitMerged), Does.Contain("<failure"));
    }

    [Test]
    public void A_broken_run_json_is_reported_with_file_line_and_column()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("run.json"), "{\n  \"runId\": \"r\",\n  \"plan\": 42\n}");
        var e = Assert.Throws<InvalidDataException>(() => RunResultJson.Read(dir.Path));
        Assert.That(e!.Message, Does.StartWith(dir.File("run.json") + ":3:"));
    }
}
