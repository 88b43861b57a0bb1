using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using TestFarm.Server.Tests.Webhooks;
using TestFarm.Server.Webhooks;
using TestFarm.Testing.GitHub;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// The pull-request loop end to end with real processes: <c>testfarm serve --lab --github</c> talks to the loopback stand-in
/// GitHub through its real Octokit client. A signed <c>pull_request.opened</c> opens a check run on the payload's head SHA
/// linking to the run's report; the lab runs the plan; GitHub goes down (503) and the run ends, so its final check run waits
/// in the store's outbox; the process is killed with SIGKILL and started again on the same SQLite file; once GitHub is back
/// the final check run reaches the original check run exactly once, with its conclusion and the report link, which the farm serves.
/// </summary>
[CancelAfter(180_000), NonParallelizable]
public sealed class ServeGitHubKillTests
{
    private const string Secret = "github-kill-operator";

    [Test]
    public async Task A_signed_pull_request_runs_and_its_final_check_run_reaches_github_once_across_a_SIGKILL_while_github_is_down(CancellationToken ct)
    {
        await using var fixture = new ServeFixture(("pr-gated", ServeWebhookTests.PrPlan));
        await using var github = await GitHubStub.StartAsync();
        ServeProcess.Prepare(fixture.Root, Secret);
        var port = ServeProcess.FreePort();
        var publicUrl = $"http://127.0.0.1:{port}/";
        var environment = new Dictionary<string, string>
        {
            ["GitHub__BaseUrl"] = github.BaseUrl.ToString(), ["GitHub__Token"] = "ghp_stub", ["GitHub__Webhooks__Secret"] = WebhookTestHost.Secret,
            ["GitHub__MaxRetries"] = "0", ["GitHub__OutboxInterval"] = "00:00:00.200", ["GitHub__OutboxMaxBackoff"] = "00:00:00.500",
            // A report the killed instance had claimed is taken over once its claim expires.
            ["GitHub__OutboxClaim"] = "00:00:02",
        };
        string[] githubArgs = ["--github", "--public-url", publicUrl];

        long checkId;
        string runId;
        using (var first = ServeProcess.Start(fixture.Root, port, "serve-1", "sqlite:farm.db", Secret, environment, extra: githubArgs))
        {
            await first.WaitUntilAsync("/api/v1/pool", _ => true, TimeSpan.FromSeconds(60), ct);
            using (var opened = await PostSignedAsync(first, "pull_request", WebhookTestHost.Fixture("pull_request.opened")))
                Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.OK), await opened.Content.ReadAsStringAsync(ct));
            runId = (await first.WaitUntilAsync("/api/v1/runs", r => r.AsArray().Count == 1, TimeSpan.FromSeconds(10), ct)).AsArray().Single()!["id"]!.GetValue<string>();
            await first.WaitUntilAsync("/api/v1/github/outbox", o => o["pending"]!.GetValue<int>() == 0, TimeSpan.FromSeconds(30), ct);
            checkId = github.CheckRuns.Keys.Single();
            var opening = github.CheckRuns[checkId];
            Assert.That((opening["status"]!.GetValue<string>(), opening["head_sha"]!.GetValue<string>(), opening["external_id"]!.GetValue<string>()),
                Is.EqualTo(("in_progress", ServeWebhookTests.Sha, runId)));
            Assert.That(opening["details_url"]!.GetValue<string>(), Is.EqualTo($"{publicUrl}api/v1/runs/{runId}/reports/report.html"));
            Assert.That(github.Matching("POST", "/check-runs").Single().Authorization, Does.Contain("ghp_stub"), "the configured token reaches GitHub");

            // GitHub goes down; the lab run ends; its final check run stays in the outbox, refused with 503.
            github.FailNext(100_000, 503, body: "{\"message\":\"Service Unavailable\"}");
            var ended = await first.WaitUntilAsync($"/api/v1/runs/{runId}", r => r["finished"] is not null, TimeSpan.FromSeconds(120), ct);
            Assert.That(ended["state"]!.GetValue<string>(), Is.EqualTo("Passed"), ended.ToJsonString());
            var outbox = await first.WaitUntilAsync("/api/v1/github/outbox",
                o => o["entries"]!.AsArray().Any(e => e!["key"]!.GetValue<string>().StartsWith("check/", StringComparison.Ordinal) && e["lastError"] is not null),
                TimeSpan.FromSeconds(20), ct);
            var check = outbox["entries"]!.AsArray().Single(e => e!["key"]!.GetValue<string>().StartsWith("check/", StringComparison.Ordinal))!;
            Assert.That(check["lastError"]!.GetValue<string>(), Does.Contain("503"));
            Assert.That(check["description"]!.GetValue<string>(), Does.EndWith("completed"));
            Assert.That(outbox["pending"]!.GetValue<int>(), Is.EqualTo(3), "check run, statuses and sticky comment: " + outbox.ToJsonString());
            Assert.That(outbox["oldestPendingSeconds"]!.GetValue<double>(), Is.GreaterThanOrEqualTo(0));
            var metrics = await first.Http.GetStringAsync(new Uri("metrics", UriKind.Relative), ct);
            Assert.That(metrics, Does.Contain("testfarm_github_outbox_pending 3"));
            Assert.That(metrics, Does.Contain("testfarm_github_outbox_oldest_seconds "));

            // Killed: no drain, nothing flushed.
            await first.KillAsync(ct);
        }

        // Started again while GitHub is still down, then GitHub comes back.
        using var second = ServeProcess.Start(fixture.Root, port, "serve-2", "sqlite:farm.db", Secret, environment, extra: githubArgs);
        await second.WaitUntilAsync("/api/v1/pool", _ => true, TimeSpan.FromSeconds(60), ct);
        github.Heal();
        await second.WaitUntilAsync("/api/v1/github/outbox", o => o["pending"]!.GetValue<int>() == 0 && o["entries"]!.AsArray().Count == 0, TimeSpan.FromSeconds(30), ct);

        Assert.That(github.Matching("POST", "/check-runs"), Has.Count.EqualTo(1), "no second check run");
        var completions = github.Answers.Where(a => a.Request.Method == "PATCH" && a.Request.Path.EndsWith($"/check-runs/{checkId}", StringComparison.Ordinal)
            && a.Request.Body!["status"]?.GetValue<string>() == "completed").ToList();
        Assert.That(completions.Count(a => a.Status == 503), Is.GreaterThanOrEqualTo(1), "tried while GitHub was down");
        Assert.That(completions.Count(a => a.Status == 200), Is.EqualTo(1), "the final update arrives exactly once, to the same check run");
        var final = github.CheckRuns[checkId];
        Assert.That(final["conclusion"]!.GetValue<string>(), Is.EqualTo("success"), final.ToJsonString());
        var details = final["details_url"]!.GetValue<string>();
        Assert.That(details, Is.EqualTo($"{publicUrl}api/v1/runs/{runId}/reports/report.html"));
        Assert.That(github.Comments.Values.Single().Body, Does.Contain(runId), "one sticky comment");

        // The link is the run's report, served by the farm.
        using var report = await second.Http.GetAsync(new Uri(details), ct);
        Assert.That(report.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(report.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        Assert.That(await report.Content.ReadAsStringAsync(ct), Does.Contain(runId));
        await second.KillAsync(ct);
    }

    private static async Task<HttpResponseMessage> PostSignedAsync(ServeProcess serve, string eventName, JsonNode payload)
    {
        var body = Encoding.UTF8.GetBytes(payload.ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, "webhooks/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(WebhookTestHost.Secret, body));
        return await serve.Http.SendAsync(request);
    }
}
