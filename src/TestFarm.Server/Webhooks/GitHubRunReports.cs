using TestFarm.Core.GitHub;
using TestFarm.Core.Results;
using TestFarm.Core.Runs;
using TestFarm.GitHub.Reporting;
using TestFarm.Orchestration.Runs;
using TestFarm.Server.Hosting;
using TestFarm.Server.Reports;

namespace TestFarm.Server.Webhooks;

/// <summary>
/// A pull request's run on GitHub: its acceptance and its end (check run, statuses, sticky comment) go into the outbox in
/// the run's own transactions, and a run of a plan on a head SHA is exclusive (one open at a time).
/// </summary>
public sealed class GitHubRunReports(FarmServerOptions options, TimeProvider time) : IRunReports
{
    public string? ExclusiveKey(string plan, RunOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return origin.Repository is null || origin.HeadSha is null ? null : $"github {origin.Repository}@{origin.HeadSha}/{plan}".ToLowerInvariant();
    }

    public IReadOnlyList<OutboxMessage> Accepted(string runId, string plan, RunOrigin origin, IReadOnlyList<string> cellIds)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return origin.Repository is null || origin.HeadSha is null ? [] : GitHubReports.Accepted(Context(plan, origin, runId, options.PublicUrl), cellIds, time.GetUtcNow());
    }

    public IReadOnlyList<OutboxMessage> Ended(RunResult run, RunOrigin origin, RunState state)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(origin);
        return origin.Repository is null || origin.HeadSha is null
            ? []
            : GitHubReports.Completed(Context(run.Plan, origin, run.RunId, options.PublicUrl), run, time.GetUtcNow(), cancelled: state == RunState.Cancelled);
    }

    /// <summary>Where a run is reported on GitHub; its details link is the run's HTML report under the farm's public URL.</summary>
    internal static GitHubRunContext Context(string plan, RunOrigin origin, string? runId, Uri? publicUrl) => new()
    {
        Repository = origin.Repository!, HeadSha = origin.HeadSha!, Plan = plan, PullRequest = origin.PullRequest, RunId = runId,
        DetailsUrl = RunFileLinks.PublicReport(publicUrl, runId),
    };
}

/// <summary>Delivers the outbox as soon as a run has ended or was cancelled (its reports were stored with its end).</summary>
public sealed class GitHubRunObserver(ReportOutbox outbox) : IRunCancelObserver
{
    public Task RunEndedAsync(RunResult run, RunOrigin origin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return origin.Repository is null ? Task.CompletedTask : outbox.TryFlushAsync(cancellationToken);
    }
}
