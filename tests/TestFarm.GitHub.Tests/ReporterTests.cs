using TestFarm.Core.GitHub;
using TestFarm.Core.Results;
using TestFarm.GitHub.Reporting;
using TestFarm.Testing.GitHub;

namespace TestFarm.GitHub.Tests;

public sealed class ReporterTests
{
    private static GitHubRunContext Context(RunResult run) => new()
    {
        Repository = "Codertocat/Hello-World", HeadSha = run.HeadSha!, Plan = run.Plan, PullRequest = 2, RunId = run.RunId,
        DetailsUrl = $"https://farm.example/runs/{run.RunId}",
    };

    [Test]
    public async Task Two_runs_on_one_pr_give_a_check_run_with_matrix_and_annotations_statuses_per_cell_and_one_comment()
    {
        await using var host = await GitHubTestHost.StartAsync();
        var first = SampleRuns.Previous();
        var second = SampleRuns.Mixed();
        foreach (var run in new[] { first, second })
        {
            await host.Reporter.RunAcceptedAsync(Context(run), [.. run.Cells.Select(c => c.CellId)], CancellationToken.None);
            await host.Reporter.RunCompletedAsync(Context(run), run, CancellationToken.None);
        }

        Assert.That(host.Stub.CheckRuns, Has.Count.EqualTo(1), "one check run per plan and head SHA");
        var check = host.Stub.CheckRuns.Values.Single();
        Assert.That(check["name"]!.GetValue<string>(), Is.EqualTo("testfarm/pr-smoke"));
        Assert.That(check["status"]!.GetValue<string>(), Is.EqualTo("completed"));
        Assert.That(check["conclusion"]!.GetValue<string>(), Is.EqualTo("failure"));
        var summary = check["output"]!["summary"]!.GetValue<string>();
        Assert.That(summary, Does.Contain("| cell | verdict | conformance | chaos |"));
        Assert.That(summary, Does.Contain("| `epyc-e810/1cp2w` | ❌ failed |"));
        var patches = host.Stub.Matching("PATCH", "/check-runs/");
        var annotations = patches[^1].Body!["output"]!["annotations"]!.AsArray();
        Assert.That(annotations.Select(a => a!["title"]!.GetValue<string>()), Has.Some.StartsWith("failed: dns-resolves"));

        var statuses = host.Stub.Matching("POST", "/statuses/ec26c3e57ca3a959ca5aad62de7213c562f8c821");
        var final = statuses.TakeLast(3).ToDictionary(s => s.Body!["context"]!.GetValue<string>(), s => s.Body!["state"]!.GetValue<string>());
        Assert.That(final, Is.EqualTo(new Dictionary<string, string>
        {
            ["testfarm/pr-smoke/epyc-e810/3cp"] = "success",
            ["testfarm/pr-smoke/epyc-e810/1cp2w"] = "failure",
            ["testfarm/pr-smoke/ampere-mlx5/3cp"] = "error",
        }));
        Assert.That(statuses.Take(3).All(s => s.Body!["state"]!.GetValue<string>() == "pending"));

        Assert.That(host.Stub.Comments, Has.Count.EqualTo(1), "exactly one sticky comment");
        var comment = host.Stub.Comments.Values.Single();
        Assert.That(comment.Issue, Is.EqualTo(2));
        Assert.That(comment.Body, Does.StartWith(GitHubReporter.CommentMarker("pr-smoke")).And.Contain("run-2"));
        Assert.That(host.Stub.Matching("PATCH", "/issues/comments/"), Has.Count.EqualTo(1));
        Assert.That(await host.PendingAsync(), Is.Empty);
    }

    [Test]
    public async Task A_new_reporter_finds_the_sticky_comment_by_its_marker()
    {
        await using var host = await GitHubTestHost.StartAsync();
        host.Stub.Comments[1] = (2, "LGTM");
        host.Stub.Comments[2] = (2, GitHubReporter.CommentMarker("pr-smoke") + "\nold summary");
        var run = SampleRuns.Mixed();
        await host.Reporter.RunCompletedAsync(Context(run), run, CancellationToken.None);
        Assert.That(host.Stub.Comments, Has.Count.EqualTo(2));
        Assert.That(host.Stub.Comments[2].Body, Does.Contain("run-2"));
        Assert.That(host.Stub.Comments[1].Body, Is.EqualTo("LGTM"));
    }

    [Test]
    public async Task Annotations_go_50_per_request_and_the_summary_is_truncated_with_a_notice()
    {
        await using var host = await GitHubTestHost.StartAsync();
        var run = SampleRuns.Mixed();
        var many = Enumerable.Range(0, 120).Select(i => SampleRuns.Test("conformance", $"case-{i:000}-" + new string('x', 600), Verdict.Failed, message: "boom")).ToList();
        run = run with { Cells = [run.Cells[1] with { Tests = many }] };
        await host.Reporter.RunCompletedAsync(Context(run), run, CancellationToken.None);

        var writes = host.Stub.Requests.Where(r => r.Method != "GET" && r.Path.Contains("/check-runs", StringComparison.Ordinal)).ToList();
        Assert.That(writes.Select(w => w.Body!["output"]!["annotations"]!.AsArray().Count), Is.EqualTo(new[] { 50, 50, 20 }));
        Assert.That(host.Stub.CheckRuns.Values.Single()["output"]!["annotations"]!.AsArray(), Has.Count.EqualTo(120));
        var summary = writes[0].Body!["output"]!["summary"]!.GetValue<string>();
        Assert.That(summary.Length, Is.LessThanOrEqualTo(CheckSummary.MaxSummaryLength));
        Assert.That(summary, Does.Contain("**Truncated**"));
    }

    [Test]
    public async Task A_github_outage_never_loses_the_report_it_is_queued_and_delivered_later()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 1);
        host.Stub.FailNext(1000, 503);
        var run = SampleRuns.Mixed();
        await host.Reporter.RunCompletedAsync(Context(run), run, CancellationToken.None);

        Assert.That((await host.PendingAsync()).Select(p => p.Description).ToList(), Has.Count.EqualTo(3));
        Assert.That((await host.PendingAsync()).All(p => p.LastError.Contains("HTTP 503", StringComparison.Ordinal)));
        Assert.That(await host.Outbox.FlushAsync(CancellationToken.None), Is.EqualTo(3));
        Assert.That((await host.PendingAsync()).All(p => p.Attempts == 1), "nothing is retried before its backoff");
        Assert.That(await host.FlushLaterAsync(), Is.EqualTo(3));
        Assert.That((await host.PendingAsync()).All(p => p.Attempts == 2));

        host.Stub.Heal();
        Assert.That(await host.FlushLaterAsync(), Is.EqualTo(0));
        Assert.That(await host.PendingAsync(), Is.Empty);
        Assert.That(host.Stub.CheckRuns.Values.Single()["conclusion"]!.GetValue<string>(), Is.EqualTo("failure"));
        Assert.That(host.Stub.Comments, Has.Count.EqualTo(1));
        Assert.That(host.Stub.Matching("POST", "/statuses/").Count(r => r.Body!["state"]!.GetValue<string>() != "pending"), Is.GreaterThanOrEqualTo(3));
    }

    [Test]
    public async Task An_untrusted_change_gets_a_neutral_needs_ok_to_test_check()
    {
        await using var host = await GitHubTestHost.StartAsync();
        await host.Reporter.NeedsApprovalAsync(new GitHubRunContext { Repository = "Codertocat/Hello-World", HeadSha = "abc123", Plan = "pr-smoke", PullRequest = 2 }, CancellationToken.None);
        var check = host.Stub.CheckRuns.Values.Single();
        Assert.That(check["conclusion"]!.GetValue<string>(), Is.EqualTo("neutral"));
        Assert.That(check["output"]!["title"]!.GetValue<string>(), Is.EqualTo("needs /ok-to-test"));
    }
}
