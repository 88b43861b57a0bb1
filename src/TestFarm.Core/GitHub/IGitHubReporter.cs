using TestFarm.Core.Results;

namespace TestFarm.Core.GitHub;

/// <summary>
/// Reports a plan's run back to GitHub: one check run per plan on the head SHA, a commit status per cell
/// and one sticky PR comment per plan. A failure to reach GitHub never throws and never loses the report:
/// it is kept in the durable outbox (<see cref="IOutboxStore"/>) and retried.
/// </summary>
public interface IGitHubReporter
{
    /// <summary>The run was accepted: check run in_progress (queued when <paramref name="cellIds"/> wait), statuses pending.</summary>
    Task RunAcceptedAsync(GitHubRunContext context, IReadOnlyList<string> cellIds, CancellationToken cancellationToken);

    /// <summary>The run ended: check run completed with the matrix summary and annotations, statuses, sticky comment.</summary>
    Task RunCompletedAsync(GitHubRunContext context, RunResult result, CancellationToken cancellationToken);

    /// <summary>An untrusted author's change waits for a trusted <c>/ok-to-test</c>: a neutral check run.</summary>
    Task NeedsApprovalAsync(GitHubRunContext context, CancellationToken cancellationToken);

    /// <summary>A reply on the pull request (e.g. to a command), delivered through the outbox like every report.</summary>
    Task ReplyAsync(string repository, int pullRequest, string body, CancellationToken cancellationToken);
}

/// <summary>Where on GitHub a plan's run is reported.</summary>
public sealed record GitHubRunContext
{
    /// <summary><c>owner/name</c>.</summary>
    public required string Repository { get; init; }
    public required string HeadSha { get; init; }
    public required string Plan { get; init; }
    public int? PullRequest { get; init; }
    public string? RunId { get; init; }
    /// <summary>Link to the run's page on the farm's dashboard.</summary>
    public string? DetailsUrl { get; init; }
}

/// <summary>
/// A report that could not be delivered yet, or (<see cref="Failed"/>) never will be: GitHub refused it with
/// <see cref="Status"/> and the message in <see cref="PendingReport.LastError"/>, so it is not retried.
/// </summary>
public sealed record PendingReport(string Description, int Attempts, DateTimeOffset FirstFailed, string LastError)
{
    /// <summary>What it updates (one check run, one set of statuses, one comment).</summary>
    public string Key { get; init; } = "";
    /// <summary>When it is tried next (pending ones).</summary>
    public DateTimeOffset? NextAttempt { get; init; }
    public bool Failed { get; init; }
    public int? Status { get; init; }
}
