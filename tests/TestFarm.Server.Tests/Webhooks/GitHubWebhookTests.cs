using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using TestFarm.Core.GitHub;
using TestFarm.Server.Webhooks;
using TestFarm.Testing.GitHub;

namespace TestFarm.Server.Tests.Webhooks;

public sealed class GitHubWebhookTests
{
    private const string HeadSha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

    private static JsonObject PrComment(string body, string association = "MEMBER", string login = "octocat")
    {
        var payload = WebhookTestHost.Fixture("issue_comment.created");
        payload["issue"]!["number"] = 2;
        payload["issue"]!["pull_request"] = new JsonObject { ["url"] = "https://api.github.com/repos/Codertocat/Hello-World/pulls/2" };
        payload["comment"]!["body"] = body;
        payload["comment"]!["author_association"] = association;
        payload["comment"]!["user"]!["login"] = login;
        return payload;
    }

    [Test]
    public async Task A_forged_or_missing_signature_is_refused_before_anything_runs()
    {
        await using var host = await WebhookTestHost.StartAsync();
        var body = Encoding.UTF8.GetBytes(WebhookTestHost.Fixture("pull_request.opened").ToJsonString());
        var forged = WebhookSignature.Sign("not the secret", body);

        using var bad = await host.PostAsync("pull_request", body, signature: forged);
        using var garbage = await host.PostAsync("pull_request", body, signature: "sha256=zz");
        using var missing = await host.PostAsync("pull_request", body, sign: false);
        var tampered = (byte[])body.Clone();
        tampered[^2] ^= 1;
        using var changed = await host.PostAsync("pull_request", tampered, signature: WebhookSignature.Sign(WebhookTestHost.Secret, body));

        Assert.That(new[] { bad.StatusCode, garbage.StatusCode, missing.StatusCode, changed.StatusCode }, Is.All.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(host.Trigger.Queued, Is.Empty);
    }

    [Test]
    public async Task A_body_over_the_limit_is_refused_with_413()
    {
        await using var host = await WebhookTestHost.StartAsync(maxBodyBytes: 4096);
        var body = Encoding.UTF8.GetBytes(WebhookTestHost.Fixture("pull_request.opened").ToJsonString());
        Assert.That(body, Has.Length.GreaterThan(4096));
        using var response = await host.PostAsync("pull_request", body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(host.Trigger.Queued, Is.Empty);
    }

    [Test]
    public async Task Unknown_events_are_accepted_and_ignored()
    {
        await using var host = await WebhookTestHost.StartAsync();
        using var response = await host.PostAsync("status", WebhookTestHost.Fixture("status"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(host.Trigger.Queued, Is.Empty);
    }

    [Test]
    public async Task A_pull_request_from_the_fixtures_queues_the_plans_whose_paths_match_once_per_delivery()
    {
        await using var host = await WebhookTestHost.StartAsync();
        using var first = await host.PostAsync("pull_request", WebhookTestHost.Fixture("pull_request.opened"), delivery: "d-1");
        using var again = await host.PostAsync("pull_request", WebhookTestHost.Fixture("pull_request.opened"), delivery: "d-1");

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK), await first.Content.ReadAsStringAsync());
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var queued = host.Trigger.Queued.Single();
        Assert.That(queued.Plan, Is.EqualTo("pr-smoke"), "docs-preview's docs/** matches no changed file");
        Assert.That(queued.Repository, Is.EqualTo("Codertocat/Hello-World"));
        Assert.That(queued.PullRequest, Is.EqualTo(2));
        Assert.That(queued.HeadSha, Is.EqualTo(HeadSha));
        Assert.That(queued.Untrusted, Is.False);
        Assert.That(queued.InstallationId, Is.EqualTo(1));
        Assert.That(queued.Reason, Is.EqualTo("pull_request.opened"));
    }

    [Test]
    public async Task Retest_reruns_only_the_failed_and_infra_error_cells()
    {
        await using var host = await WebhookTestHost.StartAsync();
        host.Trigger.Latest["Codertocat/Hello-World#2/pr-smoke"] = SampleRuns.Mixed();

        using var response = await host.PostAsync("issue_comment", PrComment("Flaky infra, sorry.\n/retest"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var rerun = host.Trigger.Reruns.Single();
        Assert.That(rerun.Plan, Is.EqualTo("pr-smoke"));
        Assert.That(rerun.CellIds, Is.EqualTo(new[] { "pr-smoke/epyc-e810/1cp2w", "pr-smoke/ampere-mlx5/3cp" }));
        Assert.That(rerun.HeadSha, Is.EqualTo(HeadSha));
        Assert.That(host.Trigger.Queued, Is.Empty);
    }

    [Test]
    public async Task Comment_commands_test_and_cancel_and_a_plain_comment_does_nothing()
    {
        await using var host = await WebhookTestHost.StartAsync();
        using (var plain = await host.PostAsync("issue_comment", WebhookTestHost.Fixture("issue_comment.created")))
            Assert.That(plain.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        using (var test = await host.PostAsync("issue_comment", PrComment("/test docs-preview")))
            Assert.That(test.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using (var cancel = await host.PostAsync("issue_comment", PrComment("/cancel")))
            Assert.That(cancel.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using (var stranger = await host.PostAsync("issue_comment", PrComment("/test", association: "NONE", login: "stranger")))
            Assert.That(await stranger.Content.ReadAsStringAsync(), Does.Contain("may not run commands"));

        Assert.That(host.Trigger.Queued.Select(q => q.Plan), Is.EqualTo(new[] { "docs-preview" }));
        Assert.That(host.Trigger.Cancelled.Single(), Is.EqualTo(("Codertocat/Hello-World", 2, (string?)null)));
    }

    [Test]
    public async Task An_untrusted_author_waits_for_ok_to_test_which_binds_to_the_head_sha()
    {
        await using var host = await WebhookTestHost.StartAsync();
        host.Api.Pulls[2] = host.Api.Pulls[2] with { AuthorLogin = "newcomer", AuthorAssociation = "FIRST_TIME_CONTRIBUTOR" };
        var opened = WebhookTestHost.Fixture("pull_request.opened");
        opened["pull_request"]!["author_association"] = "FIRST_TIME_CONTRIBUTOR";

        using (var r = await host.PostAsync("pull_request", opened)) Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(host.Trigger.Queued, Is.Empty);
        Assert.That(host.Reporter.ApprovalsNeeded.Single().Plan, Is.EqualTo("pr-smoke"));

        // The author cannot approve themselves; a member can.
        using (var r = await host.PostAsync("issue_comment", PrComment("/ok-to-test", association: "CONTRIBUTOR", login: "newcomer"))) { }
        Assert.That(host.Trigger.Queued, Is.Empty);
        using (var r = await host.PostAsync("issue_comment", PrComment("/ok-to-test", association: "MEMBER"))) { }
        var queued = host.Trigger.Queued.Single();
        Assert.That(queued.Untrusted, Is.True, "untrusted runs end in a full reimage");
        Assert.That(queued.HeadSha, Is.EqualTo(HeadSha));

        // A new push needs a new approval.
        const string newSha = "0123456789abcdef0123456789abcdef01234567";
        host.Api.Pulls[2] = host.Api.Pulls[2] with { HeadSha = newSha };
        var sync = WebhookTestHost.Fixture("pull_request.synchronize");
        sync["pull_request"]!["head"]!["sha"] = newSha;
        sync["pull_request"]!["author_association"] = "FIRST_TIME_CONTRIBUTOR";
        using (var r = await host.PostAsync("pull_request", sync)) { }
        Assert.That(host.Trigger.Queued, Has.Count.EqualTo(1));
        Assert.That(host.Reporter.ApprovalsNeeded.Last().HeadSha, Is.EqualTo(newSha));
        // ... and the approved author may then /retest on the approved SHA only.
        using (var r = await host.PostAsync("issue_comment", PrComment("/test", association: "CONTRIBUTOR", login: "newcomer")))
            Assert.That(await r.Content.ReadAsStringAsync(), Does.Contain("may not run commands"));
    }

    [Test]
    public async Task Check_run_rerequested_reruns_our_plan_and_ignores_other_apps_checks()
    {
        await using var host = await WebhookTestHost.StartAsync();
        using (var other = await host.PostAsync("check_run", WebhookTestHost.Fixture("check_run.rerequested")))
            Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var ours = WebhookTestHost.Fixture("check_run.rerequested");
        ours["check_run"]!["name"] = "testfarm/pr-smoke";
        ours["repository"]!["full_name"] = "Codertocat/Hello-World";
        using (var r = await host.PostAsync("check_run", ours)) Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var queued = host.Trigger.Queued.Single();
        Assert.That(queued.Reason, Is.EqualTo("check_run.rerequested"));
        Assert.That(queued.HeadSha, Is.EqualTo("d6fde92930d4715a2b49857d24b940956b26d2d3"));
    }

    [Test]
    public async Task Check_suite_rerequested_reruns_the_pull_requests_plans()
    {
        await using var host = await WebhookTestHost.StartAsync();
        using (var r = await host.PostAsync("check_suite", WebhookTestHost.Fixture("check_suite.rerequested")))
            Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var queued = host.Trigger.Queued.Single();
        Assert.That((queued.Plan, queued.PullRequest, queued.HeadSha, queued.Reason),
            Is.EqualTo(("pr-smoke", (int?)2, HeadSha, "check_suite.rerequested")));
    }

    [Test]
    public async Task An_unknown_plan_or_command_gets_one_reply_naming_the_known_ones_and_starts_nothing()
    {
        await using var host = await WebhookTestHost.StartAsync();
        using (var r = await host.PostAsync("issue_comment", PrComment("/test nope\n/frobnicate")))
            Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.OK), await r.Content.ReadAsStringAsync());

        Assert.That(host.Trigger.Queued, Is.Empty);
        var reply = host.Reporter.Replies.Single();
        Assert.That((reply.Repository, reply.PullRequest), Is.EqualTo(("Codertocat/Hello-World", 2)));
        Assert.That(reply.Body, Does.StartWith("@octocat "));
        Assert.That(reply.Body, Does.Contain("`/test nope`: no such plan for Codertocat/Hello-World; known plans: `docs-preview`, `pr-smoke`."));
        Assert.That(reply.Body, Does.Contain("`/frobnicate` is not a command here; the commands are `/test [plan]`, `/retest [plan]`, `/cancel [plan]`, `/ok-to-test`."));
    }

    [Test]
    public async Task A_second_test_of_a_plan_on_the_same_sha_replies_with_the_running_run_instead_of_starting_a_copy()
    {
        await using var host = await WebhookTestHost.StartAsync();
        using (var r = await host.PostAsync("issue_comment", PrComment("/test pr-smoke\n/test")))
            Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.OK), await r.Content.ReadAsStringAsync());

        Assert.That(host.Trigger.Queued.Select(q => q.Plan), Is.EqualTo(new[] { "pr-smoke" }), "/test (all plans whose paths match) is pr-smoke again");
        var running = host.Trigger.Open[$"pr-smoke@{HeadSha}"];
        Assert.That(host.Reporter.Replies.Single().Body,
            Does.Contain($"plan `pr-smoke` on ec26c3e: run [`{running}`](https://farm.example/runs/{running}) is already going; no second run was started."));
    }

    [Test]
    public void Command_parser_and_path_filters()
    {
        Assert.That(PrCommandParser.Parse("LGTM\n/retest\n> /cancel\n```\n/test\n```\n/test nightly-arm\n/usr/bin/env is a path\n/Deploy now"),
            Is.EqualTo(new[] { new PrCommand(PrCommandKind.Retest), new PrCommand(PrCommandKind.Test, "nightly-arm"), new PrCommand(PrCommandKind.Unknown, "/deploy") }));
        Assert.That(PathFilter.Matches(["src/**/*.go"], ["src/a/b/c.go"]), Is.True);
        Assert.That(PathFilter.Matches(["src/**/*.go"], ["src/c.go"]), Is.True);
        Assert.That(PathFilter.Matches(["docs/"], ["docs/x/y.md"]), Is.True);
        Assert.That(PathFilter.Matches(["*.md"], ["docs/y.md"]), Is.False);
        Assert.That(PathFilter.Matches([], ["anything"]), Is.True);
    }
}
