using System.Collections.Concurrent;
using TestFarm.Core.GitHub;
using TestFarm.Core.Results;

namespace TestFarm.Testing.GitHub;

/// <summary>In-memory <see cref="IGitHubReporter"/>: records what would be reported.</summary>
public sealed class FakeGitHubReporter : IGitHubReporter
{
    public ConcurrentQueue<(GitHubRunContext Context, IReadOnlyList<string> Cells)> Accepted { get; } = new();
    public ConcurrentQueue<(GitHubRunContext Context, RunResult Result)> Completed { get; } = new();
    public ConcurrentQueue<GitHubRunContext> ApprovalsNeeded { get; } = new();
    public ConcurrentQueue<(string Repository, int PullRequest, string Body)> Replies { get; } = new();

    public Task ReplyAsync(string repository, int pullRequest, string body, CancellationToken cancellationToken)
    {
        Replies.Enqueue((repository, pullRequest, body));
        return Task.CompletedTask;
    }

    public Task RunAcceptedAsync(GitHubRunContext context, IReadOnlyList<string> cellIds, CancellationToken cancellationToken)
    {
        Accepted.Enqueue((context, cellIds));
        return Task.CompletedTask;
    }

    public Task RunCompletedAsync(GitHubRunContext context, RunResult result, CancellationToken cancellationToken)
    {
        Completed.Enqueue((context, result));
        return Task.CompletedTask;
    }

    public Task NeedsApprovalAsync(GitHubRunContext context, CancellationToken cancellationToken)
    {
        ApprovalsNeeded.Enqueue(context);
        return Task.CompletedTask;
    }
}

/// <summary>
/// In-memory <see cref="IRunTrigger"/>: records requests and answers latest results from <see cref="Latest"/>; a plan on a
/// SHA in <see cref="Open"/> ("plan@sha" → run id) is refused as already going, and every run it starts is open until removed.
/// </summary>
public sealed class FakeRunTrigger : IRunTrigger
{
    private int _runs;

    /// <summary>Open runs by "plan@sha".</summary>
    public ConcurrentDictionary<string, string> Open { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ConcurrentQueue<PlanRunRequest> Queued { get; } = new();
    public ConcurrentQueue<CellRerunRequest> Reruns { get; } = new();
    public ConcurrentQueue<(string Repository, int PullRequest, string? Plan)> Cancelled { get; } = new();
    /// <summary>Key: "repo#pr/plan".</summary>
    public ConcurrentDictionary<string, RunResult> Latest { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Task<TriggerAnswer> QueuePlanAsync(PlanRunRequest request, CancellationToken cancellationToken)
    {
        var answer = Start(request.Plan, request.HeadSha);
        if (answer.RunId is not null) Queued.Enqueue(request);
        return Task.FromResult(answer);
    }

    public Task<TriggerAnswer> RerunCellsAsync(CellRerunRequest request, CancellationToken cancellationToken)
    {
        var answer = Start(request.Plan, request.HeadSha);
        if (answer.RunId is not null) Reruns.Enqueue(request);
        return Task.FromResult(answer);
    }

    private TriggerAnswer Start(string plan, string sha)
    {
        var id = $"{plan}-{Interlocked.Increment(ref _runs)}";
        var open = Open.GetOrAdd($"{plan}@{sha}", id);
        return open == id ? new TriggerAnswer(id, null, $"https://farm.example/runs/{id}") : new TriggerAnswer(null, open, $"https://farm.example/runs/{open}");
    }

    public Task CancelAsync(string repository, int pullRequest, string? plan, CancellationToken cancellationToken)
    {
        Cancelled.Enqueue((repository, pullRequest, plan));
        foreach (var key in Open.Keys.Where(k => plan is null || k.StartsWith(plan + "@", StringComparison.OrdinalIgnoreCase))) Open.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task<RunResult?> LatestResultAsync(string repository, int pullRequest, string plan, string headSha, CancellationToken cancellationToken) =>
        Task.FromResult(Latest.TryGetValue($"{repository}#{pullRequest}/{plan}", out var r) ? r : null);
}

/// <summary>In-memory <see cref="IGitHubApi"/> for webhook tests: pull requests and their files; records writes.</summary>
public sealed class FakeGitHubApi : IGitHubApi
{
    private long _nextId = 1;

    public ConcurrentDictionary<int, PullRequestInfo> Pulls { get; } = new();
    public ConcurrentDictionary<int, IReadOnlyList<string>> Files { get; } = new();
    public ConcurrentQueue<(string Repo, CheckRunRequest Request)> CheckRuns { get; } = new();
    public ConcurrentQueue<(string Repo, string Sha, CommitStatus Status)> Statuses { get; } = new();
    public ConcurrentDictionary<long, (int Issue, string Body)> Comments { get; } = new();

    /// <summary>The check runs created, by id, as created.</summary>
    public ConcurrentDictionary<long, (string Repo, CheckRunRequest Request)> CreatedCheckRuns { get; } = new();

    public Task<long> CreateCheckRunAsync(RepoRef repo, CheckRunRequest request, CancellationToken cancellationToken)
    {
        CheckRuns.Enqueue((repo.FullName, request));
        var id = Interlocked.Increment(ref _nextId);
        CreatedCheckRuns[id] = (repo.FullName, request);
        return Task.FromResult(id);
    }

    public Task<IReadOnlyList<CheckRunInfo>> ListCheckRunsAsync(RepoRef repo, string sha, string checkName, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<CheckRunInfo>>([.. CreatedCheckRuns.Where(c => c.Value.Repo == repo.FullName && c.Value.Request.HeadSha == sha && c.Value.Request.Name == checkName)
            .OrderBy(c => c.Key).Select(c => new CheckRunInfo(c.Key, c.Value.Request.Name, c.Value.Request.ExternalId, c.Value.Request.Status))]);

    public Task UpdateCheckRunAsync(RepoRef repo, long checkRunId, CheckRunRequest request, CancellationToken cancellationToken)
    {
        CheckRuns.Enqueue((repo.FullName, request));
        return Task.CompletedTask;
    }

    public Task CreateStatusAsync(RepoRef repo, string sha, CommitStatus status, CancellationToken cancellationToken)
    {
        Statuses.Enqueue((repo.FullName, sha, status));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<IssueComment>> ListIssueCommentsAsync(RepoRef repo, int issueNumber, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<IssueComment>>([.. Comments.Where(c => c.Value.Issue == issueNumber).Select(c => new IssueComment(c.Key, c.Value.Body))]);

    public Task<long> CreateIssueCommentAsync(RepoRef repo, int issueNumber, string body, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        Comments[id] = (issueNumber, body);
        return Task.FromResult(id);
    }

    public Task UpdateIssueCommentAsync(RepoRef repo, long commentId, string body, CancellationToken cancellationToken)
    {
        Comments[commentId] = (Comments[commentId].Issue, body);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListPullRequestFilesAsync(RepoRef repo, int pullNumber, CancellationToken cancellationToken) =>
        Task.FromResult(Files.TryGetValue(pullNumber, out var f) ? f : []);

    public Task<PullRequestInfo> GetPullRequestAsync(RepoRef repo, int pullNumber, CancellationToken cancellationToken) =>
        Pulls.TryGetValue(pullNumber, out var pr) ? Task.FromResult(pr) : throw new InvalidOperationException($"no pull request {repo}#{pullNumber}");

    /// <summary>Permissions by login; anyone else has <c>none</c>.</summary>
    public ConcurrentDictionary<string, string> Permissions { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Task<string> GetCollaboratorPermissionAsync(RepoRef repo, string login, CancellationToken cancellationToken) =>
        Task.FromResult(Permissions.GetValueOrDefault(login, "none"));
}
