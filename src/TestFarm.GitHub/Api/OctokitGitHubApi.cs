using System.Globalization;
using Microsoft.Extensions.Logging;
using Octokit;
using Octokit.Internal;
using TestFarm.Core.GitHub;
using CheckRunRequest = TestFarm.Core.GitHub.CheckRunRequest;
using CommitStatus = TestFarm.Core.GitHub.CommitStatus;
using TestFarm.GitHub.Auth;

namespace TestFarm.GitHub.Api;

/// <summary>
/// <see cref="IGitHubApi"/> through Octokit's <see cref="GitHubClient"/>, whose transport is the factory-managed
/// <see cref="HttpClient"/> (<see cref="FactoryHttpClient"/>) and whose bearer token comes from an
/// <see cref="ITokenSource"/> (plain token, or the GitHub App's installation token). Every call goes through
/// <see cref="GitHubCalls"/>: per-attempt timeout, outages and rate limits retried, refusals thrown at once as
/// <see cref="GitHubApiException"/>.
/// </summary>
public sealed class OctokitGitHubApi : IGitHubApi
{
    private readonly IGitHubClient _client;
    private readonly GitHubCalls _calls;
    private readonly GitHubOptions _options;

    private OctokitGitHubApi(IGitHubClient client, GitHubCalls calls, GitHubOptions options)
    {
        _client = client;
        _calls = calls;
        _options = options;
    }

    /// <summary>A client on <paramref name="http"/> (called per request, e.g. <c>IHttpClientFactory.CreateClient</c>).</summary>
    public static OctokitGitHubApi Create(Func<HttpClient> http, ITokenSource tokens, GitHubOptions options, TimeProvider time, ILogger<OctokitGitHubApi> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new OctokitGitHubApi(Client(http, new TokenCredentialStore(tokens), options, time), new GitHubCalls(options, time, logger), options);
    }

    /// <summary>An Octokit client on the factory's <see cref="HttpClient"/>, at <see cref="GitHubOptions.BaseUrl"/>.</summary>
    internal static GitHubClient Client(Func<HttpClient> http, ICredentialStore credentials, GitHubOptions options, TimeProvider time) =>
        new(new Connection(new ProductHeaderValue("TestFarm", "1.0"), options.BaseUrl, credentials,
            new FactoryHttpClient(http, time, options.RequestTimeout), new SimpleJsonSerializer()));

    public Task<long> CreateCheckRunAsync(RepoRef repo, CheckRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(request);
        return _calls.RunAsync("POST", $"{R(repo)}/check-runs", async () =>
            (await _client.Check.Run.Create(O(repo), N(repo), OctokitMapping.NewCheckRun(request)).ConfigureAwait(false)).Id, cancellationToken);
    }

    public Task UpdateCheckRunAsync(RepoRef repo, long checkRunId, CheckRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(request);
        return _calls.RunAsync("PATCH", $"{R(repo)}/check-runs/{checkRunId}", () =>
            _client.Check.Run.Update(O(repo), N(repo), checkRunId, OctokitMapping.CheckRunUpdate(request)), cancellationToken);
    }

    public async Task<IReadOnlyList<CheckRunInfo>> ListCheckRunsAsync(RepoRef repo, string sha, string checkName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentException.ThrowIfNullOrEmpty(sha);
        ArgumentException.ThrowIfNullOrEmpty(checkName);
        var reference = Uri.EscapeDataString(sha);
        var filter = new Octokit.CheckRunRequest { CheckName = checkName, Filter = CheckRunCompletedAtFilter.All };
        var all = new List<CheckRunInfo>();
        for (var page = 1; page <= 10; page++)
        {
            var options = Page(page);
            var batch = await _calls.RunAsync("GET", $"{R(repo)}/commits/{reference}/check-runs?check_name={Uri.EscapeDataString(checkName)}&filter=all&per_page=100&page={page}", () =>
                _client.Check.Run.GetAllForReference(O(repo), N(repo), reference, filter, options), cancellationToken).ConfigureAwait(false);
            all.AddRange(batch.CheckRuns.Select(c => new CheckRunInfo(c.Id, c.Name, c.ExternalId, c.Status.StringValue)));
            if (batch.CheckRuns.Count < 100) break;
        }
        return all;
    }

    public Task CreateStatusAsync(RepoRef repo, string sha, CommitStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(sha);
        ArgumentNullException.ThrowIfNull(status);
        var reference = Uri.EscapeDataString(sha);
        return _calls.RunAsync("POST", $"{R(repo)}/statuses/{reference}", () =>
            _client.Repository.Status.Create(O(repo), N(repo), reference, OctokitMapping.NewCommitStatus(status)), cancellationToken);
    }

    public async Task<IReadOnlyList<Core.GitHub.IssueComment>> ListIssueCommentsAsync(RepoRef repo, int issueNumber, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        var all = new List<Core.GitHub.IssueComment>();
        for (var page = 1; page <= 50; page++)
        {
            var options = Page(page);
            var batch = await _calls.RunAsync("GET", $"{R(repo)}/issues/{issueNumber}/comments?per_page=100&page={page}", () =>
                _client.Issue.Comment.GetAllForIssue(O(repo), N(repo), issueNumber, options), cancellationToken).ConfigureAwait(false);
            all.AddRange(batch.Select(c => new Core.GitHub.IssueComment(c.Id, c.Body ?? "")));
            if (batch.Count < 100) break;
        }
        return all;
    }

    public Task<long> CreateIssueCommentAsync(RepoRef repo, int issueNumber, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        return _calls.RunAsync("POST", $"{R(repo)}/issues/{issueNumber}/comments", async () =>
            (await _client.Issue.Comment.Create(O(repo), N(repo), issueNumber, body).ConfigureAwait(false)).Id, cancellationToken);
    }

    public Task UpdateIssueCommentAsync(RepoRef repo, long commentId, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        return _calls.RunAsync("PATCH", $"{R(repo)}/issues/comments/{commentId}", () =>
            _client.Issue.Comment.Update(O(repo), N(repo), commentId, body), cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListPullRequestFilesAsync(RepoRef repo, int pullNumber, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        var files = new List<string>();
        // GitHub lists at most 3000 files of a pull request.
        for (var page = 1; page <= 30; page++)
        {
            var options = Page(page);
            var batch = await _calls.RunAsync("GET", $"{R(repo)}/pulls/{pullNumber}/files?per_page=100&page={page}", () =>
                _client.PullRequest.Files(O(repo), N(repo), pullNumber, options), cancellationToken).ConfigureAwait(false);
            files.AddRange(batch.Select(f => f.FileName));
            if (batch.Count < 100) break;
        }
        return files;
    }

    public async Task<PullRequestInfo> GetPullRequestAsync(RepoRef repo, int pullNumber, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        // Octokit's PullRequest has no author_association: read the pull request into a type that has it.
        var pr = await _calls.RunAsync("GET", $"{R(repo)}/pulls/{pullNumber}", async () =>
            (await _client.Connection.Get<PullRequestView>(ApiUrls.PullRequest(O(repo), N(repo), pullNumber), null).ConfigureAwait(false)).Body,
            cancellationToken).ConfigureAwait(false);
        return new PullRequestInfo
        {
            Number = pr.Number,
            HeadSha = pr.Head?.Sha ?? throw new GitHubApiException("GET", new Uri(_options.BaseUrl, $"{R(repo)}/pulls/{pullNumber}"), 200, "the pull request has no head"),
            HeadRepository = pr.Head.Repository?.FullName,
            AuthorLogin = pr.User?.Login,
            AuthorAssociation = pr.AuthorAssociation?.StringValue,
        };
    }

    public async Task<string> GetCollaboratorPermissionAsync(RepoRef repo, string login, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentException.ThrowIfNullOrEmpty(login);
        var user = Uri.EscapeDataString(login);
        var answer = await _calls.RunAsync("GET", $"{R(repo)}/collaborators/{user}/permission", () =>
            _client.Repository.Collaborator.ReviewPermission(O(repo), N(repo), user), cancellationToken).ConfigureAwait(false);
        return answer.Permission;
    }

    private static ApiOptions Page(int page) => new() { PageSize = 100, PageCount = 1, StartPage = page };

    private static string O(RepoRef repo) => Uri.EscapeDataString(repo.Owner);

    private static string N(RepoRef repo) => Uri.EscapeDataString(repo.Name);

    private static string R(RepoRef repo) => string.Create(CultureInfo.InvariantCulture, $"repos/{O(repo)}/{N(repo)}");
}
