using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.GitHub;
using TestFarm.GitHub;
using TestFarm.Server.Tests.Webhooks;
using TestFarm.Server.Webhooks;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Testing.GitHub;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// The webhook endpoint of <c>serve</c> wired to the farm: a pull request's plan runs here and is reported accepted, then
/// completed; <c>/cancel</c> cancels it; <c>/retest</c> reruns the cells that did not pass, found through the stored run.
/// </summary>
[CancelAfter(60_000), FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ServeWebhookTests
{
    private const string PrPlan = """
        name: pr-gated
        trigger: { kind: pull-request }
        matrix:
          profiles:
            - name: epyc-9354-e810
          topologies:
            - name: 1cp-1w
              roles:
                - { name: control-plane, count: 1 }
                - { name: worker, count: 1 }
        cluster: { deployer: lab, kubernetesVersion: 1.32.3 }
        suites: [conformance-quick]
        """;

    private const string Sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

    [Test]
    public async Task A_pull_request_runs_its_plan_is_cancelled_retested_and_reported(CancellationToken ct)
    {
        await using var fixture = new ServeFixture(("pr-gated", PrPlan));
        var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells"));
        var reporter = new FakeGitHubReporter();
        var api = new FakeGitHubApi();
        api.Pulls[2] = new PullRequestInfo { Number = 2, HeadSha = Sha, AuthorLogin = "Codertocat", AuthorAssociation = "OWNER" };
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "serve-w")
            with { GitHubWebhooks = true, PublicUrl = new Uri("https://farm.example.org/ci/") };
        using var client = await fixture.StartAsync(options, backend, ct, services =>
        {
            services.AddSingleton<IGitHubApi>(api).AddSingleton<IGitHubReporter>(reporter);
            services.Configure<GitHubOptions>(o => o.Token = "not-used-by-the-fake");
            services.Configure<GitHubWebhookOptions>(o => o.Secret = WebhookTestHost.Secret);
        });

        using (var opened = await PostAsync(client, "pull_request", WebhookTestHost.Fixture("pull_request.opened")))
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.OK), await opened.Content.ReadAsStringAsync(ct));
        var accepted = reporter.Accepted.Single();
        Assert.That((accepted.Context.Repository, accepted.Context.PullRequest, accepted.Context.HeadSha, accepted.Context.Plan),
            Is.EqualTo(("Codertocat/Hello-World", (int?)2, Sha, "pr-gated")));
        Assert.That(accepted.Cells, Is.EqualTo(new[] { "pr-gated/epyc-9354-e810/1cp-1w" }));
        var first = accepted.Context.RunId!;
        Assert.That(accepted.Context.DetailsUrl, Is.EqualTo($"https://farm.example.org/ci/api/v1/runs/{first}/reports/report.html"), "the check links to the run's report");
        await backend.Reimaging.Task.WaitAsync(ct);
        Assert.That((await client.GetAsync($"/api/v1/runs/{first}"))["trigger"]!.GetValue<string>(), Is.EqualTo($"pr Codertocat/Hello-World#2 {Sha}: pull_request.opened"));

        using (var cancel = await PostAsync(client, "issue_comment", Comment("/cancel")))
            Assert.That(cancel.StatusCode, Is.EqualTo(HttpStatusCode.OK), await cancel.Content.ReadAsStringAsync(ct));
        Assert.That((await client.WaitForRunEndAsync(first, TimeSpan.FromSeconds(20), ct))["state"]!.GetValue<string>(), Is.EqualTo("Cancelled"));

        backend.Open();
        using (var test = await PostAsync(client, "issue_comment", Comment("/test pr-gated")))
            Assert.That(test.StatusCode, Is.EqualTo(HttpStatusCode.OK), await test.Content.ReadAsStringAsync(ct));
        var second = reporter.Accepted.Last().Context.RunId!;
        Assert.That((await client.WaitForRunEndAsync(second, TimeSpan.FromSeconds(20), ct))["state"]!.GetValue<string>(), Is.EqualTo("InfraError"));
        var completed = reporter.Completed.Single();
        Assert.That(completed.Context.RunId, Is.EqualTo(second));
        Assert.That(completed.Context.DetailsUrl, Is.EqualTo($"https://farm.example.org/ci/api/v1/runs/{second}/reports/report.html"));
        Assert.That(completed.Result.HeadSha, Is.EqualTo(Sha));
        Assert.That(completed.Result.Cells.Single().Verdict.ToString(), Is.EqualTo("InfraError"), "the gated backend deploys no cluster");

        using (var retest = await PostAsync(client, "issue_comment", Comment("/retest")))
            Assert.That(retest.StatusCode, Is.EqualTo(HttpStatusCode.OK), await retest.Content.ReadAsStringAsync(ct));
        var rerun = reporter.Accepted.Last();
        Assert.That(rerun.Context.RunId, Is.Not.EqualTo(second));
        Assert.That(rerun.Cells, Is.EqualTo(new[] { "pr-gated/epyc-9354-e810/1cp-1w" }), "the infra-error cell is run again");
        Assert.That((await client.WaitForRunEndAsync(rerun.Context.RunId!, TimeSpan.FromSeconds(20), ct))["state"]!.GetValue<string>(), Is.EqualTo("InfraError"));
        Assert.That(reporter.Completed, Has.Count.EqualTo(2));
    }

    private static JsonObject Comment(string body)
    {
        var payload = WebhookTestHost.Fixture("issue_comment.created");
        payload["issue"]!["number"] = 2;
        payload["issue"]!["pull_request"] = new JsonObject { ["url"] = "https://api.github.com/repos/Codertocat/Hello-World/pulls/2" };
        payload["comment"]!["body"] = body;
        payload["comment"]!["author_association"] = "MEMBER";
        return payload;
    }

    private static async Task<HttpResponseMessage> PostAsync(ApiClient client, string eventName, JsonNode payload)
    {
        var body = Encoding.UTF8.GetBytes(payload.ToJsonString());
        using var http = new HttpClient { BaseAddress = new Uri(TestFarm.Server.Hosting.FarmServer.BoundAddress(client.App)), Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(WebhookTestHost.Secret, body));
        return await http.SendAsync(request);
    }
}
