using TestFarm.Core.Plans;

namespace TestFarm.Server.Webhooks;

/// <summary>The GitHub webhook endpoint: its secret, limits, and the plans pull requests may trigger.</summary>
public sealed class GitHubWebhookOptions
{
    /// <summary>The webhook secret shared with GitHub (HMAC-SHA256 key). Never logged. Required.</summary>
    public string Secret { get; set; } = "";

    /// <summary>Bodies over this are refused with 413. Default 5 MiB (GitHub caps payloads at 25 MB).</summary>
    public long MaxBodyBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>A new push to a pull request (<c>pull_request.synchronize</c>) cancels the runs of its superseded head. Default true.</summary>
    public bool CancelSupersededRuns { get; set; } = true;

    /// <summary>Plans with a pull-request trigger; <c>Trigger.Repositories</c> (empty = any) and <c>Trigger.Paths</c> filter them.</summary>
    public IReadOnlyList<Plan> Plans { get; set; } = [];

    /// <summary>Link shown on checks; {0} is replaced by the run id when known.</summary>
    public string? DetailsUrl { get; set; }
}
