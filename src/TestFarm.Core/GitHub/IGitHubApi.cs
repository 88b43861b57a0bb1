namespace TestFarm.Core.GitHub;

/// <summary>
/// The GitHub REST calls TestFarm makes, typed. Implemented with Octokit by <c>TestFarm.GitHub.Api.OctokitGitHubApi</c>;
/// every call has its own timeout and throws <c>GitHubApiException</c> naming the method and URL on failure.
/// </summary>
public interface IGitHubApi
{
    Task<long> CreateCheckRunAsync(RepoRef repo, CheckRunRequest request, CancellationToken cancellationToken);

    Task UpdateCheckRunAsync(RepoRef repo, long checkRunId, CheckRunRequest request, CancellationToken cancellationToken);

    /// <summary>The check runs named <paramref name="checkName"/> on commit <paramref name="sha"/>, every one (not only the latest).</summary>
    Task<IReadOnlyList<CheckRunInfo>> ListCheckRunsAsync(RepoRef repo, string sha, string checkName, CancellationToken cancellationToken);

    Task CreateStatusAsync(RepoRef repo, string sha, CommitStatus status, CancellationToken cancellationToken);

    Task<IReadOnlyList<IssueComment>> ListIssueCommentsAsync(RepoRef repo, int issueNumber, CancellationToken cancellationToken);

    Task<long> CreateIssueCommentAsync(RepoRef repo, int issueNumber, string body, CancellationToken cancellationToken);

    Task UpdateIssueCommentAsync(RepoRef repo, long commentId, string body, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListPullRequestFilesAsync(RepoRef repo, int pullNumber, CancellationToken cancellationToken);

    Task<PullRequestInfo> GetPullRequestAsync(RepoRef repo, int pullNumber, CancellationToken cancellationToken);

    /// <summary>
    /// The permission <paramref name="login"/> has on <paramref name="repo"/>: <c>admin</c>, <c>maintain</c>, <c>write</c>,
    /// <c>triage</c>, <c>read</c> or <c>none</c> (GitHub's <c>collaborators/{login}/permission</c>).
    /// </summary>
    Task<string> GetCollaboratorPermissionAsync(RepoRef repo, string login, CancellationToken cancellationToken);
}

/// <summary>A repository, <c>owner/name</c>.</summary>
public sealed record RepoRef(string Owner, string Name)
{
    public string FullName => $"{Owner}/{Name}";

    public static RepoRef Parse(string fullName)
    {
        ArgumentNullException.ThrowIfNull(fullName);
        var slash = fullName.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == fullName.Length - 1 || fullName.IndexOf('/', slash + 1) >= 0)
            throw new FormatException($"repository must be 'owner/name', was '{fullName}'");
        return new RepoRef(fullName[..slash], fullName[(slash + 1)..]);
    }

    public override string ToString() => FullName;
}

/// <summary>What a check run shows (created or updated); null members are left as they are.</summary>
public sealed record CheckRunRequest
{
    public required string Name { get; init; }
    /// <summary>Only on create.</summary>
    public string? HeadSha { get; init; }
    /// <summary>queued, in_progress or completed.</summary>
    public string? Status { get; init; }
    /// <summary>success, failure, neutral, cancelled, timed_out, action_required, skipped.</summary>
    public string? Conclusion { get; init; }
    public string? ExternalId { get; init; }
    public string? DetailsUrl { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public CheckRunOutput? Output { get; init; }
}

public sealed record CheckRunOutput
{
    public required string Title { get; init; }
    public required string Summary { get; init; }
    public string? Text { get; init; }
    public IReadOnlyList<CheckAnnotation>? Annotations { get; init; }
}

public sealed record CheckAnnotation
{
    public required string Path { get; init; }
    public required int StartLine { get; init; }
    public required int EndLine { get; init; }
    /// <summary>notice, warning or failure.</summary>
    public required string AnnotationLevel { get; init; }
    public required string Message { get; init; }
    public string? Title { get; init; }
    public string? RawDetails { get; init; }
}

/// <summary>A commit status on a SHA. State: error, failure, pending, success.</summary>
public sealed record CommitStatus
{
    public required string State { get; init; }
    public required string Context { get; init; }
    public string? Description { get; init; }
    public string? TargetUrl { get; init; }
}

public sealed record IssueComment(long Id, string Body);

/// <summary>A check run as GitHub lists it: its id, name, <c>external_id</c> (TestFarm's run id) and status.</summary>
public sealed record CheckRunInfo(long Id, string Name, string? ExternalId, string? Status);

public sealed record PullRequestInfo
{
    public required int Number { get; init; }
    public required string HeadSha { get; init; }
    public string? HeadRepository { get; init; }
    public string? AuthorLogin { get; init; }
    public string? AuthorAssociation { get; init; }
}
