using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TestFarm.Core.GitHub;
using TestFarm.GitHub;
using TestFarm.Server.Tests.Webhooks;
using TestFarm.Server.Webhooks;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Testing;
using TestFarm.Testing.GitHub;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// The pull-request loop's state lives in the store, not in a process: two instances on one PostgreSQL handle a delivery once
/// and share <c>/ok-to-test</c> approvals. (A report GitHub could not take surviving a SIGKILL is <see cref="ServeGitHubKillTests"/>,
/// with real processes.)
/// </summary>
[CancelAfter(120_000), NonParallelizable]
public sealed class ServeGitHubDurabilityTests
{
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
