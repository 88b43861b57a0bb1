using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using TestFarm.Server.Webhooks;

namespace TestFarm.Cli.Commands.Bench.Crash;

/// <summary>
/// The signed <c>pull_request.opened</c> delivery that starts a <c>--github</c> trial's run: the members GitHub always
/// sends that the farm's parser requires, for a trusted author (OWNER), signed with the trial's webhook secret.
/// </summary>
internal static class CrashWebhook
{
    public const string Repository = "crash-bench/farm";
    public const int PullRequest = 7;
    public const string Secret = "crash-bench-webhook-secret";

    /// <summary>A 40-hex head SHA, different per trial.</summary>
    public static string Sha(int trial) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"crash-trial-{trial}")))[..40];

    public static async Task<HttpResponseMessage> SendAsync(HttpClient farm, string sha, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(PullRequestOpened(sha).ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/webhooks/github", UriKind.Relative)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", "pull_request");
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(Secret, body));
        return await farm.SendAsync(request, ct).ConfigureAwait(false);
    }

    public static JsonObject PullRequestOpened(string sha)
    {
        const string api = "http://127.0.0.1/api/repos/" + Repository;
        var links = new JsonObject();
        foreach (var rel in new[] { "self", "html", "issue", "comments", "review_comments", "review_comment", "commits", "statuses" })
            links[rel] = new JsonObject { ["href"] = $"{api}/{rel}" };
        return new JsonObject
        {
            ["action"] = "opened",
            ["number"] = PullRequest,
            ["pull_request"] = new JsonObject
            {
                ["id"] = 70001, ["number"] = PullRequest, ["url"] = $"{api}/pulls/{PullRequest}", ["node_id"] = "PR_crash",
                ["html_url"] = $"http://127.0.0.1/{Repository}/pull/{PullRequest}", ["diff_url"] = $"{api}/diff", ["patch_url"] = $"{api}/patch",
                ["issue_url"] = $"{api}/issues/{PullRequest}", ["state"] = "open", ["title"] = "crash bench", ["user"] = User(),
                ["assignees"] = new JsonArray(), ["requested_reviewers"] = new JsonArray(), ["requested_teams"] = new JsonArray(), ["labels"] = new JsonArray(),
                ["commits_url"] = $"{api}/commits", ["review_comments_url"] = $"{api}/comments", ["review_comment_url"] = $"{api}/comment",
                ["comments_url"] = $"{api}/issues/{PullRequest}/comments", ["statuses_url"] = $"{api}/statuses/{sha}",
                ["head"] = new JsonObject { ["label"] = "crash:head", ["ref"] = "crash-head", ["sha"] = sha, ["user"] = User(), ["repo"] = Repo() },
                ["base"] = new JsonObject { ["label"] = "crash:main", ["ref"] = "main", ["sha"] = new string('0', 40), ["user"] = User(), ["repo"] = Repo() },
                ["_links"] = links,
                ["author_association"] = "OWNER", ["mergeable_state"] = "clean",
            },
            ["repository"] = Repo(),
            ["sender"] = User(),
        };
    }

    private static JsonObject User() => new()
    {
        ["login"] = "crash-bench", ["id"] = 1, ["node_id"] = "U_crash", ["avatar_url"] = "http://127.0.0.1/avatar", ["url"] = "http://127.0.0.1/api/users/crash-bench", ["type"] = "User",
    };

    private static JsonObject Repo() => new()
    {
        ["id"] = 2, ["node_id"] = "R_crash", ["name"] = "farm", ["full_name"] = Repository, ["owner"] = User(), ["private"] = false,
        ["html_url"] = $"http://127.0.0.1/{Repository}", ["url"] = $"http://127.0.0.1/api/repos/{Repository}",
    };
}
