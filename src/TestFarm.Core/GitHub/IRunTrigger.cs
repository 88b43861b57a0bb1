using TestFarm.Core.Results;

namespace TestFarm.Core.GitHub;

/// <summary>
/// What GitHub webhooks ask of the farm. The webhook handler decides (plans, trust, which cells); the
/// implementation (orchestration) queues, reruns and cancels.
/// </summary>
public interface IRunTrigger
{
    /// <summary>Queue every cell of a plan for a pull request's head SHA, unless a run of the plan on that SHA is going.</summary>
    Task<TriggerAnswer> QueuePlanAsync(PlanRunRequest request, CancellationToken cancellationToken);

    /// <summary>Rerun the given cells of the plan's latest run for this pull request/SHA, unless a run of the plan on that SHA is going.</summary>
    Task<TriggerAnswer> RerunCellsAsync(CellRerunRequest request, CancellationToken cancellationToken);

    /// <summary>Cancel queued and running work of a pull request (all plans when <paramref name="plan"/> is null).</summary>
    Task CancelAsync(string repository, int pullRequest, string? plan, CancellationToken cancellationToken);

    /// <summary>The plan's latest finished run for this pull request's head SHA, or null.</summary>
    Task<RunResult?> LatestResultAsync(string repository, int pullRequest, string plan, string headSha, CancellationToken cancellationToken);
}

/// <summary>
/// What a trigger did: the new run (<see cref="RunId"/>), or nothing because <see cref="RunningRunId"/> (same plan, same
/// head SHA) is still going; <see cref="Link"/> is where people see the run.
/// </summary>
public sealed record TriggerAnswer(string? RunId, string? RunningRunId = null, string? Link = null);

public sealed record PlanRunRequest
{
    public required string Plan { get; init; }
    public required string Repository { get; init; }
    public required string HeadSha { get; init; }
    public int? PullRequest { get; init; }
    /// <summary>The author is not trusted (approved by <c>/ok-to-test</c>): the run must end in a full reimage.</summary>
    public bool Untrusted { get; init; }
    /// <summary>Why: "pull_request.opened", "/test", "check_run.rerequested", ...</summary>
    public required string Reason { get; init; }
    public long? InstallationId { get; init; }
}

public sealed record CellRerunRequest
{
    public required string Plan { get; init; }
    public required string Repository { get; init; }
    public required string HeadSha { get; init; }
    public int? PullRequest { get; init; }
    public required IReadOnlyList<string> CellIds { get; init; }
    public bool Untrusted { get; init; }
    public required string Reason { get; init; }
}
