using TestFarm.Core.HandsOn;

namespace TestFarm.Orchestration.HandsOn;

/// <summary>How this instance keeps people's reservations.</summary>
public sealed record HandsOnOptions
{
    public HandsOnPolicy Policy { get; init; } = new();

    /// <summary>
    /// How often a held reservation's lease is heartbeated (and a release or extension asked elsewhere is noticed). Default
    /// 15 s; it must be well under the lease TTL. Expiry itself is waited for exactly, so machines are taken back at once.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long to wait before asking again after a step failed (store unreachable, say). Default 10 s.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The plan name a hands-on request carries in the queue (for duration history and the queue page).</summary>
    public const string PlanName = "hands-on";

    public IReadOnlyList<string> Problems()
    {
        var problems = Policy.Problems().ToList();
        if (HeartbeatInterval < TimeSpan.FromMilliseconds(50) || HeartbeatInterval > TimeSpan.FromMinutes(5))
            problems.Add($"HeartbeatInterval must be 50ms to 5 min, was {HeartbeatInterval}");
        if (RetryInterval < TimeSpan.FromMilliseconds(50) || RetryInterval > TimeSpan.FromMinutes(5))
            problems.Add($"RetryInterval must be 50ms to 5 min, was {RetryInterval}");
        return problems;
    }
}
