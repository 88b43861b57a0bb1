using System.Security.Cryptography;
using System.Text;
using TestFarm.Scenarios.Engine;

namespace TestFarm.Scenarios.Checks;

/// <summary>The check found the product wrong.</summary>
public sealed class CheckFailedException(string message) : Exception(message);

/// <summary>The check does not apply here (e.g. no such add-on in this topology).</summary>
public sealed class CheckSkippedException(string reason) : Exception(reason);

/// <summary>
/// One Tempest-style API check. <see cref="Id"/> is a UUID derived from the name (SHA-1 name-based, RFC 4122
/// version 8 layout), so it is stable across runs and releases as long as the name is.
/// </summary>
public sealed record ApiCheck
{
    public required string Name { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public required Func<CheckContext, Task> Run { get; init; }
    public Guid Id => StableId(Name);

    public static Guid StableId(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("testfarm/api-check/" + name));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}

/// <summary>What a check can use: the cell, its clock, a token bounded by the per-check timeout, and a unique suffix for objects it creates.</summary>
public sealed record CheckContext(StepRun Run, string Suffix, CancellationToken CancellationToken)
{
    public CellContext Cell => Run.Cell;
    public Core.Cluster.IClusterApi Cluster => Run.Cell.Cluster;

    public static void Require(bool condition, string message)
    {
        if (!condition) throw new CheckFailedException(message);
    }

    /// <summary>Polls until <paramref name="condition"/> holds or <paramref name="limit"/> passes, on the cell's clock.</summary>
    public async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan limit, TimeSpan? every = null)
    {
        var end = Run.Time.GetUtcNow() + limit;
        while (true)
        {
            if (await condition().ConfigureAwait(false)) return true;
            if (Run.Time.GetUtcNow() >= end) return false;
            await Task.Delay(every ?? TimeSpan.FromSeconds(1), Run.Time, CancellationToken).ConfigureAwait(false);
        }
    }
}
