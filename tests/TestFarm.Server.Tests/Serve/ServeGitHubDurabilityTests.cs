using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TestFarm.Core.GitHub;
using TestFarm.GitHub;
using TestFarm.GitHub.Reporting;
using TestFarm.Server.Tests.Webhooks;
using TestFarm.Server.Webhooks;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Testing;
using TestFarm.Testing.GitHub;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// The pull-request loop's state lives in the store, not in a process: a report GitHub could not take survives a hard stop
/// and reaches the same check run once after the restart; two instances on one PostgreSQL handle a delivery once and share
/// <c>/ok-to-test</c> approvals.
/// </summary>
[CancelAfter(120_000), NonParallelizable]
public sealed class ServeGitHubDurabilityTests
{
    [Test]
    public async Task A_report_github_refused_with_503_survives_a_hard_stop_and_reaches_the_same_check_run_once(CancellationToken ct)
    {
        await using var fixture = new ServeFixture(("pr-gated", ServeWebhookTests.PrPlan));
        await using var github = await GitHubStub.StartAsync();
        var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells"));
        var storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") };
        void Services(IServiceCollection services)
        {
            services.Configure<GitHubOptions>(o =>
            {
                o.BaseUrl = github.BaseUrl; o.Token = "ghp_stub"; o.MaxRetries = 0;
                o.OutboxInterval = TimeSpan.FromMilliseconds(200); o.OutboxMaxBackoff = TimeSpan.FromMilliseconds(500);
                // A report the stopped instance held when it went is taken over once its claim expires.
                o.OutboxClaim = TimeSpan.FromSeconds(2);
            });
            services.Configure<GitHubWebhookOptions>(o => o.Secret = WebhookTestHost.Secret);
        }
        var first = await fixture.StartAsync(ServeFixture.Options(fixture.Config, storage, "serve-1") with { GitHubWebhooks = true }, backend, ct, Services);

        using (var opened = await ServeWebhookTests.PostAsync(first, "pull_request", WebhookTestHost.Fixture("pull_request.opened")))
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.OK), await opened.Content.ReadAsStringAsync(ct));
        // Delivered inline or by the outbox service, whichever claims it first.
        await first.WaitUntilAsync("/api/v1/github/outbox", o => o["pending"]!.GetValue<int>() == 0, TimeSpan.FromSeconds(20), ct);
        var checkId = github.CheckRuns.Keys.Single();
        Assert.That(github.CheckRuns[checkId]["status"]!.GetValue<string>(), Is.EqualTo("in_progress"));
        var runId = (await first.GetAsync("/api/v1/runs")).AsArray().Single()!["id"]!.GetValue<string>();

        // GitHub goes down; the run ends; its end is kept in the outbox, visible in the API and on /metrics.
        github.FailNext(100_000, 503, body: "{\"message\":\"Service Unavailable\"}");
        backend.Open();
        Assert.That((await first.WaitForRunEndAsync(runId, TimeSpan.FromSeconds(30), ct))["state"]!.GetValue<string>(), Is.EqualTo("InfraError"));
        var outbox = await first.WaitUntilAsync("/api/v1/github/outbox", o => o["entries"]!.AsArray().Any(e => e!["lastError"] is not null), TimeSpan.FromSeconds(20), ct);
        Assert.That(outbox["pending"]!.GetValue<int>(), Is.EqualTo(3), "check run, statuses and sticky comment: " + outbox.ToJsonString());
        var check = outbox["entries"]!.AsArray().Single(e => e!["key"]!.GetValue<string>().StartsWith("check/", StringComparison.Ordinal))!;
        Assert.That(check["lastError"]!.GetValue<string>(), Does.Contain("503"));
        Assert.That(check["description"]!.GetValue<string>(), Does.EndWith("completed"));
        Assert.That(outbox["oldestPendingSeconds"]!.GetValue<double>(), Is.GreaterThanOrEqualTo(0));
        var metrics = await (await new HttpClient().GetAsync(new Uri(new Uri(Hosting.FarmServer.BoundAddress(first.App)), "/metrics"), ct)).Content.ReadAsStringAsync(ct);
        Assert.That(metrics, Does.Contain("testfarm_github_outbox_pending 3"));
        Assert.That(metrics, Does.Contain("testfarm_github_outbox_oldest_seconds "));

        // Stopped hard: no drain, nothing flushed; everything this process knew is gone with it.
        await first.App.DisposeAsync();
        first.Dispose();

        // The farm comes back while GitHub is still down, then GitHub comes back.
        using var second = await fixture.StartAsync(ServeFixture.Options(fixture.Config, storage, "serve-2") with { GitHubWebhooks = true }, backend, ct, Services);
        github.Heal();
        await second.WaitUntilAsync("/api/v1/github/outbox", o => o["pending"]!.GetValue<int>() == 0, TimeSpan.FromSeconds(30), ct);
        // One more delivery round of our own: nothing is sent twice.
        await second.App.Services.GetRequiredService<ReportOutbox>().FlushAsync(ct);

        Assert.That(github.Matching("POST", "/check-runs"), Has.Count.EqualTo(1), "no second check run");
        var completions = github.Answers.Where(a => a.Request.Method == "PATCH" && a.Request.Path.EndsWith($"/check-runs/{checkId}", StringComparison.Ordinal)
            && a.Request.Body!["status"]?.GetValue<string>() == "completed").ToList();
        Assert.That(completions.Count(a => a.Status == 503), Is.GreaterThanOrEqualTo(1), "tried while GitHub was down");
        Assert.That(completions.Count(a => a.Status == 200), Is.EqualTo(1), "the final update arrives exactly once, to the same check run");
        Assert.That(github.CheckRuns[checkId]["conclusion"]!.GetValue<string>(), Is.EqualTo("failure"));
        Assert.That(github.CheckRuns[checkId]["external_id"]!.GetValue<string>(), Is.EqualTo(runId));
        Assert.That(github.Comments.Values.Single().Body, Does.Contain(runId));
    }

    [Test]
    public async Task Two_instances_on_one_postgres_handle_a_delivery_once_and_share_ok_to_test(CancellationToken ct)
    {
        var admin = Requirements.Postgres();
        var schema = "gh_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(admin)) { await c.OpenAsync(ct); await new NpgsqlCommand($"CREATE SCHEMA {schema}", c).ExecuteNonQueryAsync(ct); }
        var cs = new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ConnectionString;
        try
        {
            await using var fixture = new ServeFixture(("pr-gated", ServeWebhookTests.PrPlan));
            var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells"));
            var api = new FakeGitHubApi();
            api.Pulls[2] = new PullRequestInfo { Number = 2, HeadSha = ServeWebhookTests.Sha, AuthorLogin = "newcomer", AuthorAssociation = "FIRST_TIME_CONTRIBUTOR" };
            void Services(IServiceCollection services)
            {
                services.AddSingleton<IGitHubApi>(api);
                services.Configure<GitHubOptions>(o => o.Token = "not-used-by-the-fake");
                services.Configure<GitHubWebhookOptions>(o => o.Secret = WebhookTestHost.Secret);
            }
            var storage = new StorageOptions { Kind = StoreKind.Postgres, PostgresConnection = cs };
            using var a = await fixture.StartAsync(ServeFixture.Options(fixture.Config, storage, "serve-a") with { GitHubWebhooks = true }, backend, ct, Services);
            using var b = await fixture.StartAsync(ServeFixture.Options(fixture.Config, storage, "serve-b") with { GitHubWebhooks = true }, backend, ct, Services);

            // The same delivery posted to both instances at once starts one run.
            var trusted = WebhookTestHost.Fixture("pull_request.opened");
            var posted = await Task.WhenAll(ServeWebhookTests.PostAsync(a, "pull_request", trusted, "delivery-1"), ServeWebhookTests.PostAsync(b, "pull_request", trusted, "delivery-1"));
            Assert.That(posted.Select(p => p.StatusCode), Is.EquivalentTo(new[] { HttpStatusCode.OK, HttpStatusCode.Accepted }),
                string.Join(" | ", await Task.WhenAll(posted.Select(p => p.Content.ReadAsStringAsync(ct)))));
            Assert.That(await posted.Single(p => p.StatusCode == HttpStatusCode.Accepted).Content.ReadAsStringAsync(ct), Does.Contain("duplicate delivery"));
            foreach (var p in posted) p.Dispose();
            var runs = (await b.GetAsync("/api/v1/runs")).AsArray();
            var first = runs.Single()!["id"]!.GetValue<string>();
            using (var cancel = await ServeWebhookTests.PostAsync(a, "issue_comment", ServeWebhookTests.Comment("/cancel")))
                Assert.That(cancel.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            await b.WaitForRunEndAsync(first, TimeSpan.FromSeconds(20), ct);

            // The untrusted author's /test waits on both instances until a member's /ok-to-test on one of them.
            using (var waits = await ServeWebhookTests.PostAsync(b, "issue_comment", ServeWebhookTests.Comment("/test", "FIRST_TIME_CONTRIBUTOR", "newcomer")))
                Assert.That(await waits.Content.ReadAsStringAsync(ct), Does.Contain("may not run commands"));
            using (var ok = await ServeWebhookTests.PostAsync(a, "issue_comment", ServeWebhookTests.Comment("/ok-to-test")))
                Assert.That(await ok.Content.ReadAsStringAsync(ct), Does.Contain($"/ok-to-test by octocat for {ServeWebhookTests.Sha}"));
            var approved = (await a.GetAsync("/api/v1/runs")).AsArray().Select(r => r!["id"]!.GetValue<string>()).Single(id => id != first);
            using (var cancel = await ServeWebhookTests.PostAsync(a, "issue_comment", ServeWebhookTests.Comment("/cancel")))
                Assert.That(cancel.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            await b.WaitForRunEndAsync(approved, TimeSpan.FromSeconds(20), ct);

            using (var test = await ServeWebhookTests.PostAsync(b, "issue_comment", ServeWebhookTests.Comment("/test", "FIRST_TIME_CONTRIBUTOR", "newcomer")))
            {
                var text = await test.Content.ReadAsStringAsync(ct);
                Assert.That(test.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
                Assert.That(text, Does.Contain($"queue pr-gated on {ServeWebhookTests.Sha} (untrusted: full reimage)"), "the approval given on serve-a lets the author's /test through on serve-b");
            }
            var all = (await a.GetAsync("/api/v1/runs")).AsArray().Select(r => r!["id"]!.GetValue<string>()).ToList();
            Assert.That(all, Has.Count.EqualTo(3));

            // Let the last run end and stop both instances before the schema goes.
            backend.Open();
            await a.WaitForRunEndAsync(all.Single(id => id != first && id != approved), TimeSpan.FromSeconds(30), ct);
            await Task.WhenAll(a.App.StopAsync(ct), b.App.StopAsync(ct));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var c = new NpgsqlConnection(admin);
            await c.OpenAsync(CancellationToken.None);
            await new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", c).ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
