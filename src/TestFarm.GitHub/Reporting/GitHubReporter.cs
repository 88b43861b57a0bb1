using TestFarm.Core.GitHub;
using TestFarm.Core.Results;

namespace TestFarm.GitHub.Reporting;

/// <summary>
/// Reports to GitHub through the durable outbox: each report is stored first (<see cref="GitHubReports"/>), then
/// delivered at once when GitHub answers, or later by whichever instance's <see cref="GitHubOutboxService"/> claims it.
/// The run engine writes a run's acceptance and end in the run's own transaction; this is for the rest (and callers
/// outside a run).
/// </summary>
public sealed class GitHubReporter(ReportOutbox outbox, TimeProvider time) : IGitHubReporter
{
    /// <summary>The hidden marker that identifies a plan's sticky comment.</summary>
    public static string CommentMarker(string plan) => ReportSender.CommentMarker(plan);

    public Task RunAcceptedAsync(GitHubRunContext context, IReadOnlyList<string> cellIds, CancellationToken cancellationToken) =>
        outbox.DeliverAsync(GitHubReports.Accepted(context, cellIds, time.GetUtcNow()), cancellationToken);

    public Task RunCompletedAsync(GitHubRunContext context, RunResult result, CancellationToken cancellationToken) =>
        outbox.DeliverAsync(GitHubReports.Completed(context, result, time.GetUtcNow()), cancellationToken);

    public Task NeedsApprovalAsync(GitHubRunContext context, CancellationToken cancellationToken) =>
        outbox.DeliverAsync(GitHubReports.NeedsApproval(context, time.GetUtcNow()), cancellationToken);

    public Task ReplyAsync(string repository, int pullRequest, string body, CancellationToken cancellationToken) =>
        outbox.DeliverAsync([GitHubReports.Replying(repository, pullRequest, body, Guid.CreateVersion7(time.GetUtcNow()).ToString("N"))], cancellationToken);
}
