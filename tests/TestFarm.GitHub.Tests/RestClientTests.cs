using System.Text.Json.Nodes;
using TestFarm.Core.GitHub;
using TestFarm.GitHub.Api;
using TestFarm.Testing;
using TestFarm.Testing.GitHub;

namespace TestFarm.GitHub.Tests;

public sealed class RestClientTests
{
    private static readonly RepoRef Repo = RepoRef.Parse("Codertocat/Hello-World");

    private static JsonNode Example(string file) => JsonNode.Parse(File.ReadAllText(Fixtures.Shared("github", "rest", file)))!;

    [Test]
    public async Task Request_bodies_have_the_shapes_of_githubs_examples()
    {
        await using var host = await GitHubTestHost.StartAsync();
        var annotation = new CheckAnnotation { Path = "scenarios/suites/conformance.yaml", StartLine = 1, EndLine = 1, AnnotationLevel = "failure", Message = "m", Title = "t", RawDetails = "d" };
        var id = await host.Client.CreateCheckRunAsync(Repo, new CheckRunRequest
        {
            Name = "testfarm/pr-smoke", HeadSha = "ec26c3e", Status = "in_progress", ExternalId = "run-1",
            StartedAt = DateTimeOffset.UnixEpoch, Output = new CheckRunOutput { Title = "queued", Summary = "" },
        }, CancellationToken.None);
        await host.Client.UpdateCheckRunAsync(Repo, id, new CheckRunRequest
        {
            Name = "testfarm/pr-smoke", HeadSha = "ignored-on-update", Status = "completed", Conclusion = "failure",
            StartedAt = DateTimeOffset.UnixEpoch, CompletedAt = DateTimeOffset.UnixEpoch,
            Output = new CheckRunOutput { Title = "t", Summary = "s", Text = "x", Annotations = [annotation] },
        }, CancellationToken.None);
        await host.Client.CreateStatusAsync(Repo, "ec26c3e", new CommitStatus { State = "success", Context = "testfarm/a/b/c", Description = "d", TargetUrl = "https://farm/runs/1" }, CancellationToken.None);
        var comment = await host.Client.CreateIssueCommentAsync(Repo, 2, "hello", CancellationToken.None);
        await host.Client.UpdateIssueCommentAsync(Repo, comment, "hello again", CancellationToken.None);

        var create = host.Stub.Matching("POST", "/check-runs").Single();
        Assert.That(create.Path, Is.EqualTo("/repos/Codertocat/Hello-World/check-runs"));
        Assert.That(JsonShape.Mismatches(create.Body, [Example("checks-create.request.in-progress.json"), Example("checks-create.request.completed.json")]), Is.Empty);
        var update = host.Stub.Matching("PATCH", "/check-runs/").Single();
        Assert.That(update.Body!["head_sha"], Is.Null);
        Assert.That(update.Body!["output"]!["annotations"]![0]!["annotation_level"]!.GetValue<string>(), Is.EqualTo("failure"));
        Assert.That(JsonShape.Mismatches(update.Body, [Example("checks-update.request.json")]), Is.Empty);
        var status = host.Stub.Matching("POST", "/statuses/ec26c3e").Single();
        Assert.That(JsonShape.Mismatches(status.Body, [Example("repos-create-commit-status.request.json")]), Is.Empty);
        Assert.That(JsonShape.Mismatches(host.Stub.Matching("POST", "/issues/2/comments").Single().Body, [Example("issues-create-comment.request.json")]), Is.Empty);
        Assert.That(JsonShape.Mismatches(host.Stub.Matching("PATCH", "/issues/comments/").Single().Body, [Example("issues-update-comment.request.json")]), Is.Empty);
        Assert.That(host.Stub.Requests.All(r => r.Authorization == "Bearer ghp_test_token" && r.ApiVersion == "2022-11-28"));
        // The shape check itself catches a wrong member.
        Assert.That(JsonShape.Mismatches(JsonNode.Parse("{\"state\":1,\"contexts\":\"x\"}"), [Example("repos-create-commit-status.request.json")]), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Server_errors_are_retried_and_then_succeed()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 3);
        host.Stub.FailNext(2, 502);
        await host.Client.CreateStatusAsync(Repo, "abc", new CommitStatus { State = "pending", Context = "c" }, CancellationToken.None);
        Assert.That(host.Stub.Matching("POST", "/statuses/abc"), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Client_errors_are_not_retried_and_name_method_url_and_message()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 3);
        host.Stub.FailNext(1, 422, body: "{\"message\":\"Validation Failed\"}");
        var e = Assert.ThrowsAsync<GitHubApiException>(() =>
            host.Client.CreateStatusAsync(Repo, "abc", new CommitStatus { State = "failure", Context = "c" }, CancellationToken.None));
        Assert.That(e!.Status, Is.EqualTo(422));
        Assert.That(e.Refused, Is.True);
        Assert.That(e.Message, Does.Contain("POST").And.Contain("/repos/Codertocat/Hello-World/statuses/abc").And.Contain("Validation Failed"));
        Assert.That(host.Stub.Matching("POST", "/statuses/abc"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_state_github_does_not_know_is_refused_before_anything_is_sent()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 3);
        var e = Assert.ThrowsAsync<ArgumentException>(() =>
            host.Client.CreateStatusAsync(Repo, "abc", new CommitStatus { State = "bogus", Context = "c" }, CancellationToken.None));
        Assert.That(e!.Message, Does.Contain("pending, success, failure or error, was 'bogus'"));
        Assert.That(host.Stub.Requests, Is.Empty);
    }

    [Test]
    public async Task Secondary_rate_limit_403_is_retried_after_the_requested_wait()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 2);
        host.Stub.FailNext(1, 403, headers: new Dictionary<string, string> { ["Retry-After"] = "0" },
            body: "{\"message\":\"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.\"}");
        await host.Client.CreateIssueCommentAsync(Repo, 2, "x", CancellationToken.None);
        Assert.That(host.Stub.Matching("POST", "/issues/2/comments"), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task A_rate_limit_reset_beyond_the_inline_wait_fails_fast_for_the_outbox()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 3);
        var reset = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        host.Stub.FailNext(1, 403, headers: new Dictionary<string, string> { ["X-RateLimit-Remaining"] = "0", ["X-RateLimit-Reset"] = reset },
            body: "{\"message\":\"API rate limit exceeded\"}");
        var e = Assert.ThrowsAsync<GitHubApiException>(() => host.Client.CreateIssueCommentAsync(Repo, 2, "x", CancellationToken.None));
        Assert.That(e!.Status, Is.EqualTo(403));
        Assert.That(host.Stub.Matching("POST", "/issues/2/comments"), Has.Count.EqualTo(1));
    }

    [Test]
    public void Requested_delay_reads_retry_after_and_rate_limit_reset()
    {
        var now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var a = new Dictionary<string, string> { ["retry-after"] = "30" };
        Assert.That(RateLimits.RequestedDelay(a, now), Is.EqualTo(TimeSpan.FromSeconds(30)));
        var b = new Dictionary<string, string>
        {
            ["X-RateLimit-Remaining"] = "0",
            ["X-RateLimit-Reset"] = now.AddSeconds(90).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        Assert.That(RateLimits.RequestedDelay(b, now), Is.EqualTo(TimeSpan.FromSeconds(90)));
        Assert.That(RateLimits.IsRetryable(System.Net.HttpStatusCode.Forbidden, b, null), Is.True);
        var c = new Dictionary<string, string> { ["X-RateLimit-Remaining"] = "4999" };
        Assert.That(RateLimits.RequestedDelay(c, now), Is.Null);
        Assert.That(RateLimits.IsRetryable(System.Net.HttpStatusCode.Forbidden, c, "{\"message\":\"Resource not accessible by integration\"}"), Is.False);
        Assert.That(RateLimits.IsRetryable(System.Net.HttpStatusCode.NotFound, c, null), Is.False);
        Assert.That(RateLimits.IsRetryable(System.Net.HttpStatusCode.ServiceUnavailable, c, null), Is.True);
    }

    [Test]
    public async Task Pull_request_files_are_read_across_pages()
    {
        await using var host = await GitHubTestHost.StartAsync();
        host.Stub.PullFiles[2] = [.. Enumerable.Range(0, 230).Select(i => $"src/file{i}.cs")];
        var files = await host.Client.ListPullRequestFilesAsync(Repo, 2, CancellationToken.None);
        Assert.That(files, Has.Count.EqualTo(230));
        Assert.That(host.Stub.Matching("GET", "/pulls/2/files"), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task A_collaborator_permission_is_read_and_an_unknown_user_is_a_refusal()
    {
        await using var host = await GitHubTestHost.StartAsync(maxRetries: 3);
        host.Stub.Permissions["octocat"] = "write";

        Assert.That(await host.Client.GetCollaboratorPermissionAsync(Repo, "octocat", CancellationToken.None), Is.EqualTo("write"));
        var e = Assert.ThrowsAsync<GitHubApiException>(() => host.Client.GetCollaboratorPermissionAsync(Repo, "nobody", CancellationToken.None));
        Assert.That(e!.Status, Is.EqualTo(404));
        Assert.That(e.Refused, Is.True);
        Assert.That(e.Message, Does.Contain("GET").And.Contain("/repos/Codertocat/Hello-World/collaborators/nobody/permission"));
        Assert.That(host.Stub.Matching("GET", "/collaborators/nobody/permission"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_pull_request_gives_head_sha_head_repository_author_and_author_association()
    {
        await using var host = await GitHubTestHost.StartAsync();
        host.Stub.Pulls[2] = new JsonObject
        {
            ["number"] = 2,
            ["head"] = new JsonObject { ["sha"] = "ec26c3e57ca3a959ca5aad62de7213c562f8c821", ["repo"] = new JsonObject { ["full_name"] = "fork/Hello-World" } },
            ["user"] = new JsonObject { ["login"] = "newcomer" },
            ["author_association"] = "FIRST_TIME_CONTRIBUTOR",
        };
        host.Stub.Pulls[3] = new JsonObject { ["number"] = 3, ["head"] = new JsonObject { ["sha"] = "ec26c3e57ca3a959ca5aad62de7213c562f8c821", ["repo"] = null } };

        var pr = await host.Client.GetPullRequestAsync(Repo, 2, CancellationToken.None);
        var deletedFork = await host.Client.GetPullRequestAsync(Repo, 3, CancellationToken.None);

        Assert.That(pr, Is.EqualTo(new PullRequestInfo
        {
            Number = 2, HeadSha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821", HeadRepository = "fork/Hello-World",
            AuthorLogin = "newcomer", AuthorAssociation = "FIRST_TIME_CONTRIBUTOR",
        }));
        Assert.That(deletedFork.HeadRepository, Is.Null);
        Assert.That(deletedFork.AuthorAssociation, Is.Null);
    }
}
