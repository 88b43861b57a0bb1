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
/// The webhook endpoint of <c>serve</c> wired to the farm and its durable outbox: one run per plan and head SHA at a time
/// (further commands get one reply naming the running run), <c>/cancel</c> ends it with a cancelled check run, <c>/retest</c>
/// reruns the cells that did not pass, found through the stored run. What GitHub receives is read from the fake GitHub API.
/// </summary>
[CancelAfter(60_000), FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ServeWebhookTests
{
    internal const string PrPlan = """
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

    internal const string Sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

    [Test]
    public async Task One_run_per_sha_replies_for_the_rest_cancel_retest_and_every_report_reaches_github(CancellationToken ct)
    {
        await using var fixture = new ServeFixture(("pr-gated", PrPlan));
        var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells"));
        var api = new FakeGitHubApi();
        api.Pulls[2] = new PullRequestInfo { Number = 2, HeadSha = Sha, AuthorLogin = "Codertocat", AuthorAssociation = "OWNER" };
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "serve-w")
            with { GitHubWebhooks = true, PublicUrl = new Uri("https://farm.example.org/ci/") };
        using var client = await fixture.StartInProcessAsync(options, backend, ct, services =>
        {
            services.AddSingleton<IGitHubApi>(api);
            services.Configure<GitHubOptions>(o => o.Token = "not-used-by-the-fake");
            services.Configure<GitHubWebhookOptions>(o => o.Secret = WebhookTestHost.Secret);
        });

        // One comment, three commands on one SHA: /test starts the run, the rest are answered in one reply.
        using (var many = await PostAsync(client, "issue_comment", Comment("/test\n/test pr-gated\n/retest")))
            Assert.That(many.StatusCode, Is.EqualTo(HttpStatusCode.OK), await many.Content.ReadAsStringAsync(ct));
        var runs = (await client.GetAsync("/api/v1/runs")).AsArray();
        var first = runs.Single()!["id"]!.GetValue<string>();
        Assert.That(runs.Single()!["trigger"]!.GetValue<string>(), Is.EqualTo($"pr Codertocat/Hello-World#2 {Sha}: /test"));
        var reply = api.Comments.Values.Single();
        Assert.That(reply.Issue, Is.EqualTo(2));
        Assert.That(reply.Body, Does.Contain($"plan `pr-gated` on ec26c3e: run [`{first}`](https://farm.example.org/ci/api/v1/runs/{first}/reports/report.html) is already going; no second run was started."));
        Assert.That(reply.Body, Does.Contain("`/retest`: plan `pr-gated` has no finished run on ec26c3e yet; nothing to rerun."));
        var accepted = api.CheckRuns.First().Request;
        Assert.That((accepted.Name, accepted.HeadSha, accepted.Status, accepted.ExternalId), Is.EqualTo(("testfarm/pr-gated", Sha, "in_progress", first)));
        Assert.That(accepted.DetailsUrl, Is.EqualTo($"https://farm.example.org/ci/api/v1/runs/{first}/reports/report.html"), "the check links to the run's report");
        Assert.That(api.Statuses.Single().Status.State, Is.EqualTo("pending"));

        // The pull request's own event on the same SHA starts no copy either.
        using (var opened = await PostAsync(client, "pull_request", WebhookTestHost.Fixture("pull_request.opened")))
            Assert.That(await opened.Content.ReadAsStringAsync(ct), Does.Contain($"run {first} is already going"));
        Assert.That((await client.GetAsync("/api/v1/runs")).AsArray(), Has.Count.EqualTo(1));

        await backend.Reimaging.Task.WaitAsync(ct);
        using (var cancel = await PostAsync(client, "issue_comment", Comment("/cancel")))
            Assert.That(cancel.StatusCode, Is.EqualTo(HttpStatusCode.OK), await cancel.Content.ReadAsStringAsync(ct));
        Assert.That((await client.WaitForRunEndAsync(first, TimeSpan.FromSeconds(20), ct))["state"]!.GetValue<string>(), Is.EqualTo("Cancelled"));
        await client.WaitUntilAsync("/api/v1/github/outbox", o => o["pending"]!.GetValue<int>() == 0, TimeSpan.FromSeconds(20), ct);
        Assert.That(api.CheckRuns.Last().Request.Conclusion, Is.EqualTo("cancelled"), "a cancelled run's check run says so");

        backend.Open();
        using (var test = await PostAsync(client, "issue_comment", Comment("/test pr-gated")))
            Assert.That(test.StatusCode, Is.EqualTo(HttpStatusCode.OK), await test.Content.ReadAsStringAsync(ct));
        var second = (await client.GetAsync("/api/v1/runs")).AsArray().Select(r => r!["id"]!.GetValue<string>()).Single(id => id != first);
        Assert.That((await client.WaitForRunEndAsync(second, TimeSpan.FromSeconds(20), ct))["state"]!.GetValue<string>(), Is.EqualTo("InfraError"));
        await client.WaitUntilAsync("/api/v1/github/outbox", o => o["pending"]!.GetValue<int>() == 0, TimeSpan.FromSeconds(20), ct);
        var completed = api.CheckRuns.Last().Request;
        Assert.That((completed.Status, completed.Conclusion, completed.ExternalId), Is.EqualTo(("completed", "failure", second)));
        Assert.That(api.Statuses.Last().Status.State, Is.EqualTo("error"), "the gated backend deploys no cluster: infra-error");
        Assert.That(api.Comments.Values.Count(c => c.Body.Contains(second, StringComparison.Ordinal)), Is.EqualTo(1), "the sticky comment names the run");

        using (var retest = await PostAsync(client, "issue_comment", Comment("/retest")))
            Assert.That(await retest.Content.ReadAsStringAsync(ct), Does.Contain("rerun pr-gated: pr-gated/epyc-9354-e810/1cp-1w"), "the infra-error cell is run again");
        var rerun = (await client.GetAsync("/api/v1/runs")).AsArray().Select(r => r!["id"]!.GetValue<string>()).Single(id => id != first && id != second);
        Assert.That((await client.WaitForRunEndAsync(rerun, TimeSpan.FromSeconds(20), ct))["state"]!.GetValue<string>(), Is.EqualTo("InfraError"));
    }

    [Test]
    public async Task Re_run_pressed_while_the_run_of_that_sha_is_going_starts_none_and_the_pull_request_is_told_with_its_link(CancellationToken ct)
    {
        await using var fixture = new ServeFixture(("pr-gated", PrPlan));
        var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells"));
        var api = new FakeGitHubApi();
        api.Pulls[2] = new PullRequestInfo { Number = 2, HeadSha = Sha, AuthorLogin = "Codertocat", AuthorAssociation = "OWNER" };
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "serve-rr")
            with { GitHubWebhooks = true, PublicUrl = new Uri("https://farm.example.org/ci/") };
        using var client = await fixture.StartInProcessAsync(options, backend, ct, services =>
        {
            services.AddSingleton<IGitHubApi>(api);
            services.Configure<GitHubOptions>(o => o.Token = "not-used-by-the-fake");
            services.Configure<GitHubWebhookOptions>(o => o.Secret = WebhookTestHost.Secret);
        });
        using (var test = await PostAsync(client, "issue_comment", Comment("/test pr-gated")))
            Assert.That(test.StatusCode, Is.EqualTo(HttpStatusCode.OK), await test.Content.ReadAsStringAsync(ct));
        var running = (await client.GetAsync("/api/v1/runs")).AsArray().Single()!["id"]!.GetValue<string>();
        await backend.Reimaging.Task.WaitAsync(ct);
        Assert.That(api.Comments, Is.Empty, "the first /test needs no reply");

        // The Re-run button on our check run of that SHA, on the pull request, while the run is still going.
        var rerun = WebhookTestHost.Fixture("check_run.rerequested");
        rerun["check_run"]!["name"] = "testfarm/pr-gated";
        rerun["check_run"]!["head_sha"] = Sha;
        rerun["check_run"]!["pull_requests"] = WebhookTestHost.Fixture("check_suite.rerequested")["check_suite"]!["pull_requests"]!.DeepClone();
        rerun["repository"]!["full_name"] = "Codertocat/Hello-World";
        using (var r = await PostAsync(client, "check_run", rerun))
            Assert.That(await r.Content.ReadAsStringAsync(ct), Does.Contain($"run {running} is already going"), "the webhook answer says so too");

        Assert.That((await client.GetAsync("/api/v1/runs")).AsArray(), Has.Count.EqualTo(1), "no second run");
        await client.WaitUntilAsync("/api/v1/github/outbox", o => o["pending"]!.GetValue<int>() == 0, TimeSpan.FromSeconds(20), ct);
        var reply = api.Comments.Values.Single();
        Assert.That(reply.Issue, Is.EqualTo(2));
        Assert.That(reply.Body, Does.StartWith("@octocat - "), "addressed to who pressed Re-run");
        Assert.That(reply.Body, Does.Contain($"plan `pr-gated` on ec26c3e: run [`{running}`](https://farm.example.org/ci/api/v1/runs/{running}/reports/report.html) is already going; no second run was started."));
        Assert.That(api.CheckRuns.Select(c => c.Request.ExternalId).Where(id => id is not null).Distinct(), Is.EqualTo(new[] { running }),
            "the check run stays the running run's own");
        backend.Open();
    }

    internal static JsonObject Comment(string body, string association = "MEMBER", string login = "octocat")
    {
        var payload = WebhookTestHost.Fixture("issue_comment.created");
        payload["issue"]!["number"] = 2;
        payload["issue"]!["pull_request"] = new JsonObject { ["url"] = "https://api.github.com/repos/Codertocat/Hello-World/pulls/2" };
        payload["comment"]!["body"] = body;
        payload["comment"]!["author_association"] = association;
        payload["comment"]!["user"]!["login"] = login;
        return payload;
    }

    internal static async Task<HttpResponseMessage> PostAsync(ApiClient client, string eventName, JsonNode payload, string? delivery = null)
    {
        var body = Encoding.UTF8.GetBytes(payload.ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", delivery ?? Guid.NewGuid().ToString());
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(WebhookTestHost.Secret, body));
        return await client.SendRawAsync(request);
    }
}
