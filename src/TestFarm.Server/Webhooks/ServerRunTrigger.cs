using TestFarm.Core.GitHub;
using TestFarm.Core.Results;
using TestFarm.GitHub.Reporting;
using TestFarm.Orchestration.Runs;
using TestFarm.Server.Hosting;
using TestFarm.Server.Reports;
using TestFarm.Server.Runs;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Webhooks;

/// <summary>
/// What the webhook handler asks of the farm, done by this server: a pull request's plan is triggered as a run of the farm
/// (its acceptance stored for GitHub with it, see <see cref="GitHubRunReports"/>), at most one per plan and head SHA at a
/// time; runs are found by pull request through their stored trigger (<see cref="RunOrigin.Label"/>), so cancel and rerun
/// work on any instance.
/// </summary>
public sealed class ServerRunTrigger(RunEngine engine, RunViews views, SqlFarmStore store, ReportOutbox outbox, FarmServerOptions options) : IRunTrigger
{
    public Task<TriggerAnswer> QueuePlanAsync(PlanRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StartAsync(request.Plan, request.Reason, new RunOrigin
        {
            Repository = request.Repository, HeadSha = request.HeadSha, PullRequest = request.PullRequest, Untrusted = request.Untrusted,
        }, cancellationToken);
    }

    public Task<TriggerAnswer> RerunCellsAsync(CellRerunRequest request, CancellationToken cancellationToken)
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

    public async Task<RunResult?> LatestResultAsync(string repository, int pullRequest, string plan, string headSha, CancellationToken cancellationToken)
    {
        var prefix = RunOrigin.Prefix(repository, pullRequest) + headSha + ":";
        var latest = (await store.ListRunsAsync(500, cancellationToken)).FirstOrDefault(r => r.Finished is not null
            && string.Equals(r.Plan, plan, StringComparison.OrdinalIgnoreCase)
            && r.Trigger.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
        return latest is null ? null : await store.GetRunAsync(latest.Id, cancellationToken);
    }

    private async Task<TriggerAnswer> StartAsync(string plan, string reason, RunOrigin origin, CancellationToken ct)
    {
        var outcome = await engine.TriggerAsync(plan, reason, ct, origin);
        if (outcome.RunningRunId is { } running) return new TriggerAnswer(null, running, Link(running));
        // Thrown so the webhook answers 500 and GitHub redelivers once the farm can take it.
        if (outcome.Refusal is { } r) throw new InvalidOperationException($"plan {plan} for {origin.Repository}@{origin.HeadSha}: {r.Detail}");
        // The acceptance was stored with the run: deliver it now if GitHub answers (else the outbox retries).
        await outbox.TryFlushAsync(ct);
        return new TriggerAnswer(outcome.RunId, null, Link(outcome.RunId!));
    }

    private string Link(string runId) => RunFileLinks.PublicReport(options.PublicUrl, runId) ?? $"/api/v1/runs/{runId}";
}
