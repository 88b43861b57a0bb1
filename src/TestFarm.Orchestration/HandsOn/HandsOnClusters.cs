using System.Collections.Concurrent;
using TestFarm.Core.HandsOn;
using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Orchestration.Pipeline;

namespace TestFarm.Orchestration.HandsOn;

/// <summary>
/// A reservation's cluster (<c>deployCluster</c>): deployed on its Ready machines with the pipeline's own
/// <see cref="IClusterBringUp"/> and the cluster spec of a plan the farm knows (the liked cell's plan, else the first plan with
/// a cell of the profile), torn down at release. The kubeconfig is kept under <paramref name="root"/> (outside every served
/// artifact folder) and handed over only through the reservation's kubeconfig endpoint; it is deleted at teardown.
/// </summary>
public sealed class HandsOnClusters(IClusterBringUp bringUp, IReadOnlyList<Plan> plans, IEnumerable<HardwareProfile> profiles, string root)
{
    private readonly ConcurrentDictionary<string, ClusterHandle> _live = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<HardwareProfile> _profiles = [.. profiles];

    /// <summary>Where reservation <paramref name="id"/>'s kubeconfig is while its cluster lives.</summary>
    public string KubeconfigPath(string id) => Path.Combine(root, id, "kubeconfig");

    /// <summary>The plan whose cluster spec a reservation gets, and the liked cell's topology; null when no plan here says how to deploy.</summary>
    public (Plan Plan, Topology? Topology)? Choose(string profile, string? likeCell)
    {
        // likeCell is runId/plan/profile/topology (cell ids are plan/profile/topology).
        var parts = likeCell?.Split('/') ?? [];
        if (parts.Length == 4 && plans.FirstOrDefault(p => p.Name == parts[1]) is { } liked)
            return (liked, liked.Matrix.Topologies.FirstOrDefault(t => t.Name == parts[3]));
        var plan = plans.OrderBy(p => p.Name, StringComparer.Ordinal)
            .FirstOrDefault(p => MatrixExpander.Expand(p, _profiles).Any(c => c.Profile == profile)) ?? (plans.Count > 0 ? plans[0] : null);
        return plan is null ? null : (plan, null);
    }

    /// <summary>
    /// Deploys the reservation's cluster on <paramref name="machines"/> (in the reservation's order: first control-plane, or
    /// the liked cell's roles) and waits until every node is Ready. Throws when no plan fits or the bring-up fails.
    /// </summary>
    public async Task DeployAsync(HandsOnReservation r, string leaseId, IReadOnlyList<CellMachine> machines, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(machines);
        var (plan, like) = Choose(r.Profile, r.LikeCell) ?? throw new InvalidOperationException("no plan here says how to deploy a cluster");
        var roles = HandsOnTopology.Roles(machines.Count, like);
        var topology = new Topology
        {
            Name = like?.Name ?? $"{machines.Count}x",
            Roles = [.. roles.GroupBy(x => x).Select(g => new TopologyRole { Name = g.Key, Count = g.Count() })],
        };
        var cell = new MatrixCell { Id = $"handson-{r.Id}", Plan = plan.Name, Profile = r.Profile, Topology = topology };
        var lease = new CellLease(leaseId, [.. machines.Select((m, i) => m with { Role = roles[i] })], []);
        var directory = Path.GetDirectoryName(KubeconfigPath(r.Id))!;
        await TeardownAsync(r.Id, ct); // a deploy begun before a restart leaves at most its folder
        var handle = await bringUp.DeployAsync(cell, plan, lease, directory, ct);
        if (handle.KubeconfigPath is { } path && path != KubeconfigPath(r.Id)) File.Copy(path, KubeconfigPath(r.Id), overwrite: true);
        _live[r.Id] = handle;
    }

    /// <summary>Whether this instance deployed reservation <paramref name="id"/>'s cluster and it still lives (not after a restart).</summary>
    public bool IsLive(string id) => _live.ContainsKey(id);

    /// <summary>Stops reservation <paramref name="id"/>'s cluster (when this instance deployed it) and deletes its kubeconfig.</summary>
    public async Task TeardownAsync(string id, CancellationToken ct)
    {
        if (_live.TryRemove(id, out var handle))
        {
            try
            {
                if (handle.Teardown is { } teardown) await teardown(ct);
            }
            finally
            {
                await handle.DisposeAsync();
            }
        }
        var directory = Path.GetDirectoryName(KubeconfigPath(id))!;
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }
}
