using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TestFarm.Core.GitHub;
using TestFarm.Server.Auth;

namespace TestFarm.Server.Api;

/// <summary><c>GET /api/v1/github/outbox</c>: the farm's undelivered GitHub reports, shared by every instance.</summary>
public static class GitHubOutboxEndpoints
{
    /// <summary>The most entries listed (the counts cover all).</summary>
    public const int MaxListed = 200;

    public static void MapGitHubOutboxEndpoints(this IEndpointRouteBuilder api) =>
        api.MapGet("/github/outbox", GetAsync).RequireRole(ApiRole.Viewer).WithName("GetGitHubOutbox")
            .WithSummary("GitHub reports not delivered yet: pending count, oldest age, last error per key (at most 200 listed, oldest first)");

    private static async Task<OutboxApiView> GetAsync(IOutboxStore outbox, TimeProvider time, CancellationToken ct)
    {
        var view = await outbox.ListOutboxAsync(MaxListed, ct);
        var now = time.GetUtcNow();
        return new OutboxApiView(view.Pending, view.Failed, view.OldestPending is { } o ? Math.Max(0, (now - o).TotalSeconds) : null,
            [.. view.Entries.Select(e => new OutboxEntryView(e.Key, e.Description, e.Failed ? "failed" : "pending", e.Attempts, e.FirstFailed, e.NextAttempt,
                e.LastError.Length == 0 ? null : e.LastError, e.Status))]);
    }
}

public sealed record OutboxApiView(int Pending, int Failed, double? OldestPendingSeconds, IReadOnlyList<OutboxEntryView> Entries);

/// <summary>One report: what it updates (<see cref="Key"/>), whether it waits or was refused, and GitHub's last answer.</summary>
public sealed record OutboxEntryView(string Key, string Description, string State, int Attempts, DateTimeOffset Queued, DateTimeOffset? NextAttempt,
    string? LastError, int? Status);
