using TestFarm.Core.Results;

namespace TestFarm.Core.GitHub;

/// <summary>
/// Reports a plan's run back to GitHub: one check run per plan on the head SHA, a commit status per cell
/// and one sticky PR comment per plan. A failure to reach GitHub never throws and never loses the report:
/// it is queued and retried (see <see cref="PendingReports"/>).
/// </summary>
public interface IGitHubReporter
{
    /// <summary>The run was accepted: check run in_progress (queued when <paramref name="cellIds"/> wait), statuses pending.</summary>
    Task RunAcceptedAsync(GitHubRunContext context, IReadOnlyList<string> cellIds, CancellationToken cancellationToken);

    /// <summary>The run ended: check run completed with the matrix summary and annotations, statuses, sticky comment.</summary>
    Task RunCompletedAsync(GitHubRunContext context, RunResult result, CancellationToken cancellationToken);

    /// <summary>An untrusted author's change waits for a trusted <c>/ok-to-test</c>: a neutral check run.</summary>
    Task NeedsApprovalAsync(GitHubRunContext context, CancellationToken cancellationToken);

    /// <summary>Reports not yet delivered (waiting for a retry), oldest first.</summary>
    IReadOnlyList<PendingReport> PendingReports { get; }
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
    public bool Failed { get; init; }
    public int? Status { get; init; }
}
