using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TestFarm.Cli.Commands.Bench.Crash;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Bench;

/// <summary>
/// <c>testfarm bench crash --github</c>: the stand-in GitHub the bench serves on 127.0.0.1, the invariants it checks (which
/// do fail on a doubled completion, a second comment or a foreign check run), and one real trial end to end.
/// </summary>
public sealed class CrashBenchGitHubTests
{
    private const string Run = "crash-smoke-1";
    private static readonly string Sha = CrashWebhook.Sha(1);

    [Test]
    public async Task The_invariants_hold_for_one_check_run_completed_once_and_one_comment()
    {
        await using var github = await CrashGitHub.StartAsync(CancellationToken.None);
        using var http = new HttpClient { BaseAddress = github.BaseUrl };
        var id = await CreateAsync(http);
        await CompleteAsync(http, id);
        await CommentAsync(http);

        Assert.That(CrashGitHubInvariants.Check(github, Run, Sha), Is.Empty);
    }

    [Test]
    public async Task A_completion_delivered_twice_a_second_comment_and_an_unknown_check_run_are_violations()
    {
        await using var github = await CrashGitHub.StartAsync(CancellationToken.None);
        using var http = new HttpClient { BaseAddress = github.BaseUrl };
        var id = await CreateAsync(http);
        await CompleteAsync(http, id);
        await CompleteAsync(http, id);
        await CommentAsync(http);
        await CommentAsync(http);
        using var unknown = await http.PatchAsJsonAsync($"repos/{CrashWebhook.Repository}/check-runs/99", new { status = "completed" });

        var problems = CrashGitHubInvariants.Check(github, Run, Sha);

        Assert.That(problems, Has.Some.EqualTo($"the final check-run completion reached check run {id} 2 times, not once"));
        Assert.That(problems, Has.Some.EqualTo("2 comments on the pull request, not 1 sticky comment"));
        Assert.That(problems, Has.Some.EqualTo($"the stand-in GitHub refused: PATCH /repos/{CrashWebhook.Repository}/check-runs/99 404"));
    }

    [Test, CancelAfter(600_000)]
    public async Task One_trial_started_by_a_signed_webhook_delivers_its_github_reports_across_the_kill(CancellationToken ct)
    {
        var dll = Requirements.CliDll();
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "..", "..", "..", "..", ".."));
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "bench", "crash", "--db", "sqlite", "--trials", "1", "--seed", "11", "--kill-window", "20", "--github", "--root", root })
            psi.ArgumentList.Add(a);
        psi.Environment["TESTFARM_MANIFESTS"] = Fixtures.Shared("manifests");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        var output = await stdout + await stderr;

        Assert.That(output, Does.Contain("1 trial(s) on sqlite with GitHub"));
        Assert.That(output, Does.Contain("trials: 1, violations: 0"), output);
        Assert.That(p.ExitCode, Is.EqualTo(ExitCodes.Success), output);
    }

    private static async Task<long> CreateAsync(HttpClient http)
    {
        using var created = await http.PostAsJsonAsync($"repos/{CrashWebhook.Repository}/check-runs", new { name = "testfarm/crash-smoke", head_sha = Sha, external_id = Run, status = "in_progress" });
        return (await created.Content.ReadFromJsonAsync<JsonNode>())!["id"]!.GetValue<long>();
    }

    private static async Task CompleteAsync(HttpClient http, long id)
    {
        using var done = await http.PatchAsJsonAsync($"repos/{CrashWebhook.Repository}/check-runs/{id}", new { status = "completed", conclusion = "success" });
        Assert.That((int)done.StatusCode, Is.EqualTo(200));
    }

    private static async Task CommentAsync(HttpClient http)
    {
        using var posted = await http.PostAsJsonAsync($"repos/{CrashWebhook.Repository}/issues/{CrashWebhook.PullRequest}/comments", new { body = $"run {Run}" });
        Assert.That((int)posted.StatusCode, Is.EqualTo(201));
    }
}
