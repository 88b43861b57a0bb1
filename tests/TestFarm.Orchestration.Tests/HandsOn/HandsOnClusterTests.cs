using System.Collections.Concurrent;
using TestFarm.Core.Cluster;
using TestFarm.Core.HandsOn;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Orchestration.HandsOn;
using TestFarm.Orchestration.Pipeline;

namespace TestFarm.Orchestration.Tests.HandsOn;

/// <summary>A reservation with <c>deployCluster</c> on the fake clock: deployed before Ready with its roles, torn down at expiry.</summary>
public sealed class HandsOnClusterTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(5);

    [Test]
    public async Task A_reservations_cluster_is_deployed_before_ready_with_its_roles_and_torn_down_at_expiry_before_cleaning()
    {
        var bringUp = new RecordingBringUp();
        await using var farm = await HandsOnFarm.StartAsync(2, bringUp);
        bringUp.CleanedSoFar = () => farm.Provisioner.Cleaned.Count;
        var asked = await farm.AskAsync("alice", new HandsOnAsk { Profile = "x86", Count = 2, Duration = "00:01:00", Reason = "upgrade by hand", DeployCluster = true });
        var ready = await farm.UntilAsync(asked.Id, r => r.State is HandsOnState.Ready or HandsOnState.Ended);
        Assert.That(ready.State, Is.EqualTo(HandsOnState.Ready), ready.EndReason);
        var deployed = bringUp.Deployed.Single();
        Assert.That(deployed.Roles, Is.EqualTo(new[] { (ready.Machines[0], "control-plane"), (ready.Machines[1], "worker") }));
        Assert.That(deployed.Plan, Is.EqualTo("lab"));
        Assert.That(File.Exists(farm.Clusters!.KubeconfigPath(asked.Id)), Is.True);
        var (path, refusal) = await farm.HandsOn.KubeconfigAsync(asked.Id, "bob", operatorOrAbove: false, CancellationToken.None);
        Assert.That((path, refusal!.Status), Is.EqualTo(((string?)null, 403)));
        (path, refusal) = await farm.HandsOn.KubeconfigAsync(asked.Id, "alice", operatorOrAbove: false, CancellationToken.None);
        Assert.That((path, refusal), Is.EqualTo((farm.Clusters.KubeconfigPath(asked.Id), (HandsOnOutcome?)null)));

        var ended = await farm.UntilAsync(asked.Id, r => r.State == HandsOnState.Ended, Step);
        Assert.That(ended.EndReason, Does.StartWith("expired at"));
        Assert.That(bringUp.TornDown, Is.EqualTo(new[] { $"handson-{asked.Id}" }));
        Assert.That(bringUp.CleanedAfterTeardown(farm.Provisioner.Cleaned.Count), Is.True, "the cluster goes before the machines are cleaned");
        Assert.That(Directory.Exists(Path.GetDirectoryName(farm.Clusters.KubeconfigPath(asked.Id))), Is.False);
        Assert.That((await farm.Store.ListMachinesAsync()).Select(m => m.State), Is.All.EqualTo(MachineState.Available));
        (_, refusal) = await farm.HandsOn.KubeconfigAsync(asked.Id, "alice", operatorOrAbove: false, CancellationToken.None);
        Assert.That(refusal!.Status, Is.EqualTo(409));
    }

    [Test]
    public async Task A_deploy_that_fails_ends_the_reservation_with_the_reason_and_cleans_the_machines()
    {
        var bringUp = new RecordingBringUp { Fail = "nodes not Ready after 00:10:00: 1/2 Ready" };
        await using var farm = await HandsOnFarm.StartAsync(2, bringUp);
        var asked = await farm.AskAsync("alice", new HandsOnAsk { Profile = "x86", Count = 2, Reason = "upgrade by hand", DeployCluster = true });
        var ended = await farm.UntilAsync(asked.Id, r => r.State == HandsOnState.Ended);
        Assert.That(ended.EndReason, Is.EqualTo("cluster deploy failed: nodes not Ready after 00:10:00: 1/2 Ready"));
        Assert.That(ended.ReadyAt, Is.Null, "never Ready");
        Assert.That(farm.Provisioner.Cleaned, Has.Count.EqualTo(2));
        Assert.That((await farm.Store.ListMachinesAsync()).Select(m => m.State), Is.All.EqualTo(MachineState.Available));
    }

    private sealed class RecordingBringUp : IClusterBringUp
    {
        private int _cleanedAtTeardown = -1;

        public string? Fail { get; init; }
        public ConcurrentQueue<(string Plan, (string, string)[] Roles)> Deployed { get; } = new();
        public ConcurrentQueue<string> TornDown { get; } = new();

        /// <summary>How many machines the provisioner has cleaned so far (read at teardown).</summary>
        public Func<int>? CleanedSoFar { get; set; }

        /// <summary>Torn down when no machine had been cleaned yet, and machines were cleaned since.</summary>
        public bool CleanedAfterTeardown(int cleanedNow) => _cleanedAtTeardown == 0 && cleanedNow > 0;

        public async Task<ClusterHandle> DeployAsync(MatrixCell cell, Plan plan, CellLease lease, string artifactsDirectory, CancellationToken cancellationToken)
        {
            if (Fail is not null) throw new InvalidOperationException(Fail);
            Deployed.Enqueue((plan.Name, [.. lease.Machines.Select(m => (m.Machine.Id, m.Role))]));
            Directory.CreateDirectory(artifactsDirectory);
            var kubeconfig = Path.Combine(artifactsDirectory, "kubeconfig");
            await File.WriteAllTextAsync(kubeconfig, "apiVersion: v1\nkind: Config\n", cancellationToken);
            return new ClusterHandle(new NoApi(), new Dictionary<string, string>(), kubeconfig)
            {
                Teardown = _ =>
                {
                    _cleanedAtTeardown = CleanedSoFar?.Invoke() ?? -1;
                    TornDown.Enqueue(cell.Id);
                    return Task.CompletedTask;
                },
            };
        }

        public Task<IReadOnlyDictionary<string, string>> WaitAddOnsReadyAsync(ClusterHandle cluster, Plan plan, CellLease lease, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a reservation's cluster installs no add-ons");
    }

    private sealed class NoApi : IClusterApi
    {
        public Task<System.Text.Json.Nodes.JsonObject?> GetAsync(ResourceRef resource, CancellationToken cancellationToken = default) => Task.FromResult<System.Text.Json.Nodes.JsonObject?>(null);
        public Task<IReadOnlyList<System.Text.Json.Nodes.JsonObject>> ListAsync(ResourceKind kind, string? ns = null, string? labelSelector = null, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<System.Text.Json.Nodes.JsonObject>>([]);
        public Task<System.Text.Json.Nodes.JsonObject> ApplyAsync(System.Text.Json.Nodes.JsonObject obj, CancellationToken cancellationToken = default) => Task.FromResult(obj);
        public Task<bool> DeleteAsync(ResourceRef resource, CancellationToken cancellationToken = default) => Task.FromResult(false);
    }
}
