using System.Diagnostics;
using System.Text.Json;
using TestFarm.Core.Results;
using TestFarm.Reporting.Allure;
using TestFarm.Testing;
using TestFarm.Testing.GitHub;

namespace TestFarm.Reporting.Tests;

public sealed class AllureWriterTests
{
    [Test]
    public void Results_follow_the_allure2_format_with_stable_history_ids()
    {
        using var dir = new TempDirectory();
        var log = dir.File("console.log");
        File.WriteAllText(log, "[    0.000000] Linux version 6.1");
        var run = SampleRuns.Mixed();
        var cells = run.Cells.ToList();
        cells[1] = cells[1] with
        {
            Tests = [.. cells[1].Tests.Select(t => t.Verdict == Verdict.Failed ? t with { Attachments = [new Artifact("console", log, "text/plain")] } : t)],
        };
        var count = AllureWriter.Write(run with { Cells = cells }, dir.File("results"));

        Assert.That(count, Is.EqualTo(8));
        var results = Directory.GetFiles(dir.File("results"), "*-result.json").Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement).ToList();
        Assert.That(results.Select(r => r.GetProperty("status").GetString()).Order(),
            Is.EqualTo(new[] { "broken", "failed", "passed", "passed", "passed", "passed", "passed", "skipped" }));
        var failed = results.Single(r => r.GetProperty("status").GetString() == "failed");
        Assert.That(Labels(failed, "parentSuite"), Is.EqualTo(new[] { "pr-smoke" }));
        Assert.That(Labels(failed, "suite"), Is.EqualTo(new[] { "epyc-e810" }));
        Assert.That(Labels(failed, "subSuite"), Is.EqualTo(new[] { "conformance" }));
        Assert.That(failed.GetProperty("stage").GetString(), Is.EqualTo("finished"));
        Assert.That(failed.GetProperty("historyId").GetString(), Is.EqualTo(AllureWriter.HistoryId("conformance.dns-resolves", "pr-smoke/epyc-e810/1cp2w")));
        var attachment = failed.GetProperty("attachments")[0];
        Assert.That(File.ReadAllText(Path.Combine(dir.File("results"), attachment.GetProperty("source").GetString()!)), Does.Contain("Linux version"));
        var parameters = failed.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.That(parameters, Is.EqualTo(new[] { "profile", "arch", "topology" }));
        var flaky = results.Single(r => r.TryGetProperty("statusDetails", out var d) && d.GetProperty("flaky").GetBoolean());
        Assert.That(flaky.GetProperty("steps").GetArrayLength(), Is.EqualTo(2));

        var containers = Directory.GetFiles(dir.File("results"), "*-container.json").Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement).ToList();
        Assert.That(containers, Has.Count.EqualTo(3));
        var befores = containers[0].GetProperty("befores").EnumerateArray().Select(b => b.GetProperty("name").GetString()).ToList();
        Assert.That(befores, Does.Contain("reimage").And.Contain("deploy"));
        Assert.That(File.ReadAllText(dir.File("results/environment.properties")), Does.Contain("epyc-e810.kubernetes=v1.32.3"));
        Assert.That(File.Exists(dir.File("results/executor.json")) && File.Exists(dir.File("results/categories.json")));

        // Same test, same cell, another run: same historyId, another uuid.
        using var again = new TempDirectory();
        AllureWriter.Write(SampleRuns.Mixed("run-3"), again.Path);
        var second = Directory.GetFiles(again.Path, "*-result.json").Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement).ToList();
        Assert.That(second.Select(r => r.GetProperty("historyId").GetString()), Is.EquivalentTo(results.Select(r => r.GetProperty("historyId").GetString())));
        Assert.That(second.Select(r => r.GetProperty("uuid").GetString()), Has.None.AnyOf(results.Select(r => r.GetProperty("uuid").GetString()).ToArray()));
    }

    [Test]
    public async Task Allure_3_cli_renders_our_results_with_the_expected_counts_by_status()
    {
        var allure = Fixtures.Repo(".tools", "node_modules", ".bin", "allure");
        Assert.That(File.Exists(allure), Is.True, $"Allure 3 CLI not installed at {allure} (npm install --prefix .tools allure@3.18.0)");
        using var dir = new TempDirectory();
        AllureWriter.Write(SampleRuns.Mixed(), dir.File("allure-results"));

        var start = new ProcessStartInfo(allure) { WorkingDirectory = dir.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "generate", "allure-results", "--output", "allure-report" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.That(process.ExitCode, Is.EqualTo(0), await stdout + await stderr);

        using var stats = JsonDocument.Parse(await File.ReadAllTextAsync(dir.File("allure-report/widgets/statistic.json")));
        var s = stats.RootElement;
        Assert.That(s.GetProperty("total").GetInt32(), Is.EqualTo(8));
        Assert.That(s.GetProperty("passed").GetInt32(), Is.EqualTo(5));
        Assert.That(s.GetProperty("failed").GetInt32(), Is.EqualTo(1));
        Assert.That(s.GetProperty("broken").GetInt32(), Is.EqualTo(1));
        Assert.That(s.GetProperty("skipped").GetInt32(), Is.EqualTo(1));
        var tests = await File.ReadAllTextAsync(dir.File("allure-report/test-results.json"));
        Assert.That(tests, Does.Contain("dns-resolves").And.Contain("kill-etcd-leader"));
    }

    private static string?[] Labels(JsonElement result, string name) =>
        result.GetProperty("labels").EnumerateArray().Where(l => l.GetProperty("name").GetString() == name)
            .Select(l => l.GetProperty("value").GetString()).ToArray();
}
