using TestFarm.Core.GitHub;
using TestFarm.Core.Plans;
using TestFarm.Core.Results;
using TestFarm.Orchestration.Runs;
using TestFarm.Server.Hosting;
using TestFarm.Server.Reports;
using TestFarm.Server.Runs;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Webhooks;

/// <summary>
/// What the webhook handler asks of the farm, done by this server: a pull request's plan is triggered as a run on this
/// instance (reported accepted on GitHub, and completed when it ends); runs are found by pull request through their stored
/// trigger (<see cref="RunOrigin.Label"/>), so cancel and rerun work on any instance.
/// </summary>
public sealed class ServerRunTrigger(RunEngine engine, RunViews views, SqlFarmStore store, IGitHubReporter reporter, FarmServerOptions options) : IRunTrigger
{
    public Task QueuePlanAsync(PlanRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StartAsync(request.Plan, request.Reason, new RunOrigin
        {
            Repository = request.Repository, HeadSha = request.HeadSha, PullRequest = request.PullRequest, Untrusted = request.Untrusted,
        }, cancellationToken);
    }

    public Task RerunCellsAsync(CellRerunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StartAsync(request.Plan, request.Reason, new RunOrigin
        {
            Repository = request.Repository, HeadSha = request.HeadSha, PullRequest = request.PullRequest, Untrusted = request.Untrusted, CellIds = request.CellIds,
        }, cancellationToken);
    }

    public async Task CancelAsync(string repository, int pullRequest, string? plan, CancellationToken cancellationToken)
    {
        foreach (var run in await views.ListAsync(500, cancellationToken))
        {
            if (!run.Trigger.StartsWith(RunOrigin.Prefix(repository, pullRequest), StringComparison.Ordinal) || !Enum.TryParse<Core.Runs.RunState>(run.State, out var state) || Core.Runs.RunTransitions.IsEnded(state)) continue;
            if (plan is not null && !string.Equals(run.Plan, plan, StringComparison.OrdinalIgnoreCase)) continue;
            await engine.CancelAsync(run.Id, $"{repository}#{pullRequest}", cancellationToken);
        }
    }

    public async Task<RunResult?> LatestResultAsync(string repository, int pullRequest, string plan, CancellationToken cancellationToken)
    {
        var latest = (await store.ListRunsAsync(500, cancellationToken)).FirstOrDefault(r => r.Finished is not null
            && string.Equals(r.Plan, plan, StringComparison.OrdinalIgnoreCase)
            && r.Trigger.StartsWith(RunOrigin.Prefix(repository, pullRequest), StringComparison.Ordinal));
        return latest is null ? null : await store.GetRunAsync(latest.Id, cancellationToken);
    }

    private async Task StartAsync(string plan, string reason, RunOrigin origin, CancellationToken ct)
    {
        var outcome = await engine.TriggerAsync(plan, reason, ct, origin);
        // Thrown so the webhook answers 500 and GitHub redelivers once the farm can take it.
        if (outcome.Refusal is { } r) throw new InvalidOperationException($"plan {plan} for {origin.Repository}@{origin.HeadSha}: {r.Detail}");
        var cells = options.Configuration.Plan(plan) is { } p
            ? MatrixExpander.Expand(p, options.Configuration.Profiles.Select(x => x.Value)).Select(c => c.Id).Where(id => origin.CellIds?.Contains(id) ?? true).ToList()
            : [];
        await reporter.RunAcceptedAsync(Context(plan, origin, outcome.RunId, options.PublicUrl), cells, ct);
    }

    /// <summary>Where a run is reported on GitHub; its details link is the run's HTML report under the farm's public URL.</summary>
    internal static GitHubRunContext Context(string plan, RunOrigin origin, string? runId, Uri? publicUrl) => new()
    {
        Repository = origin.Repository!, HeadSha = origin.HeadSha!, Plan = plan, PullRequest = origin.PullRequest, RunId = runId,
        DetailsUrl = RunFileLinks.PublicReport(publicUrl, runId),
    };
}

/// <summary>Reports a pull request's run on GitHub when it ends (check run, statuses, sticky comment).</summary>
public sealed class GitHubRunObserver(IGitHubReporter reporter, FarmServerOptions options) : IRunObserver
{
    public Task RunEndedAsync(RunResult run, RunOrigin origin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(origin);
        return origin.Repository is null || origin.HeadSha is null
            ? Task.CompletedTask
            : reporter.RunCompletedAsync(ServerRunTrigger.Context(run.Plan, origin, run.RunId, options.PublicUrl), run, cancellationToken);
    }
}
