using System.Text;
using System.Text.Json.Nodes;
using TestFarm.Server.Webhooks;

namespace TestFarm.Server.Tests.Webhooks;

/// <summary>The octokit/webhooks example payloads (../shared/fixtures/github/webhooks) read through Octokit.Webhooks' typed events.</summary>
public sealed class WebhookFixtureParseTests
{
    private static WebhookPayload Parse(string eventName, JsonNode payload)
    {
        var (parsed, field, reason) = WebhookPayloadParser.Parse(eventName, Encoding.UTF8.GetBytes(payload.ToJsonString()));
        Assert.That(reason, Is.Null, $"{field}: {reason}");
        return parsed!;
    }

    [TestCase("opened")]
    [TestCase("synchronize")]
    public void Pull_request_examples_give_number_head_author_and_repository(string action)
    {
        var p = Parse("pull_request", WebhookTestHost.Fixture($"pull_request.{action}"));
        Assert.That(p.Action, Is.EqualTo(action));
        Assert.That(p.Number, Is.EqualTo(2));
        Assert.That(p.PullRequest!.Number, Is.EqualTo(2));
        Assert.That(p.PullRequest.Head!.Sha, Is.EqualTo("ec26c3e57ca3a959ca5aad62de7213c562f8c821"));
        Assert.That(p.PullRequest.Head.Ref, Is.EqualTo("changes"));
        Assert.That(p.PullRequest.Head.Repo!.FullName, Is.EqualTo("Codertocat/Hello-World"));
        Assert.That(p.PullRequest.User!.Login, Is.EqualTo("Codertocat"));
        Assert.That(p.PullRequest.AuthorAssociation, Is.EqualTo("OWNER"));
        Assert.That(p.Repository!.FullName, Is.EqualTo("Codertocat/Hello-World"));
        Assert.That(p.Installation!.Id, Is.EqualTo(1));
        Assert.That(p.Sender!.Login, Is.EqualTo("Codertocat"));
    }

    [Test]
    public void A_null_pull_request_body_and_a_deleted_head_repository_are_read()
    {
        var payload = WebhookTestHost.Fixture("pull_request.opened");
        payload["pull_request"]!["body"] = null;
        payload["pull_request"]!["head"]!["repo"] = null;
        var p = Parse("pull_request", payload);
        Assert.That(p.PullRequest!.Head!.Repo, Is.Null);
        Assert.That(p.PullRequest.Head.Sha, Is.EqualTo("ec26c3e57ca3a959ca5aad62de7213c562f8c821"));
    }

    [Test]
    public void The_issue_comment_example_gives_the_comment_and_whether_the_issue_is_a_pull_request()
    {
        var plain = Parse("issue_comment", WebhookTestHost.Fixture("issue_comment.created"));
        Assert.That(plain.Issue!.Number, Is.EqualTo(1));
        Assert.That(plain.Issue.PullRequest, Is.Null);
        Assert.That(plain.Comment!.User!.Login, Is.EqualTo("Codertocat"));
        Assert.That(plain.Comment.AuthorAssociation, Is.EqualTo("OWNER"));
        Assert.That(plain.Comment.Body, Is.Not.Empty);

        var onPr = WebhookTestHost.Fixture("issue_comment.created");
        onPr["issue"]!["pull_request"] = new JsonObject { ["url"] = "https://api.github.com/repos/Codertocat/Hello-World/pulls/1" };
        Assert.That(Parse("issue_comment", onPr).Issue!.PullRequest!.Url, Does.EndWith("/pulls/1"));
    }

    [Test]
    public void The_rerequested_check_run_and_check_suite_examples_give_name_head_sha_and_pull_requests()
    {
        var run = Parse("check_run", WebhookTestHost.Fixture("check_run.rerequested"));
        Assert.That(run.CheckRun!.Name, Is.EqualTo("randscape"));
        Assert.That(run.CheckRun.HeadSha, Is.EqualTo("d6fde92930d4715a2b49857d24b940956b26d2d3"));
        Assert.That(run.CheckRun.PullRequests, Is.Empty);
        Assert.That(run.Repository!.FullName, Is.EqualTo("github/hello-world"));

        var suite = Parse("check_suite", WebhookTestHost.Fixture("check_suite.rerequested"));
        Assert.That(suite.CheckSuite!.HeadSha, Is.EqualTo("ec26c3e57ca3a959ca5aad62de7213c562f8c821"));
        Assert.That(suite.CheckSuite.PullRequests!.Select(p => p.Number), Is.EqualTo(new[] { 2 }));
        Assert.That(suite.Installation!.Id, Is.EqualTo(957387));
    }

    [TestCase("check_run", "check_run.created", "created")]
    [TestCase("check_run", "check_run.requested_action", "requested_action")]
    [TestCase("check_suite", "check_suite.requested", "requested")]
    [TestCase("issue_comment", "issue_comment.edited", "edited")]
    [TestCase("status", "status", null)]
    public void Events_and_actions_the_farm_does_not_act_on_are_read_for_action_and_repository_only(string eventName, string fixture, string? action)
    {
        var p = Parse(eventName, WebhookTestHost.Fixture(fixture));
        Assert.That(p.Action, Is.EqualTo(action));
        Assert.That(p.Repository, Is.Not.Null);
        Assert.That(new object?[] { p.PullRequest, p.Issue, p.Comment, p.CheckRun, p.CheckSuite }, Is.All.Null);
    }

    [Test]
    public void A_required_member_that_is_missing_is_named()
    {
        var payload = WebhookTestHost.Fixture("check_run.rerequested");
        payload["check_run"]!.AsObject().Remove("head_sha");
        var (parsed, field, reason) = WebhookPayloadParser.Parse("check_run", Encoding.UTF8.GetBytes(payload.ToJsonString()));
        Assert.That(parsed, Is.Null);
        Assert.That(field, Is.EqualTo("check_run.head_sha"));
        Assert.That(reason, Does.StartWith("check_run.head_sha is missing").And.Not.Contain("Octokit"));
    }
}
