using TestFarm.Kubernetes.Deploy;
using TestFarm.Orchestration.Adapters;

namespace TestFarm.Orchestration.Tests.Adapters;

public sealed class SshNodeAgentTests
{
    /// <summary>A hand-written SSH runner: records each command line and answers with the lines and exit code it is given.</summary>
    private sealed class FakeSshRunner : IProcessRunner
    {
        public List<string> Commands { get; } = [];
        public Queue<(int Exit, string[] Lines)> Answers { get; } = new();

        public Task<ProcessResult> RunAsync(ProcessSpec spec, Action<string> onLine, CancellationToken cancellationToken = default)
        {
            Commands.Add(spec.Display);
            var (exit, lines) = Answers.Count > 0 ? Answers.Dequeue() : (0, []);
            foreach (var l in lines) onLine(l);
            return Task.FromResult(new ProcessResult(exit, TimeSpan.Zero));
        }
    }

    private static readonly SshNodeAgentOptions Options = new() { User = "ops", KeyFile = "/etc/testfarm/id_ed25519", HostOf = n => n + ".rack1" };

    [Test]
    public async Task Kill_kubelet_kills_it_through_systemd_and_keeps_it_stopped_until_started()
    {
        var runner = new FakeSshRunner();
        var agent = new SshNodeAgent(runner, Options);
        await agent.KillKubeletAsync("w-1");
        await agent.StartKubeletAsync("w-1");
        Assert.That(runner.Commands, Is.EqualTo(new[]
        {
            "ssh -o BatchMode=yes -o ConnectTimeout=10 -o IdentitiesOnly=yes -i /etc/testfarm/id_ed25519 -p 22 ops@w-1.rack1 -- 'systemctl kill --signal=SIGKILL kubelet; systemctl stop kubelet'",
            "ssh -o BatchMode=yes -o ConnectTimeout=10 -o IdentitiesOnly=yes -i /etc/testfarm/id_ed25519 -p 22 ops@w-1.rack1 -- 'systemctl start kubelet'",
        }));
    }

    [Test]
    public async Task Kill_containers_stops_the_listed_containers_of_the_namespace_and_counts_them()
    {
        var runner = new FakeSshRunner();
        runner.Answers.Enqueue((0, ["3f1c2a9b8d7e", "a0b1c2d3e4f5a6b7", ""]));
        var agent = new SshNodeAgent(runner, Options);
        var n = await agent.KillContainersAsync("w-2", "rook-ceph");
        Assert.That(n, Is.EqualTo(2));
        Assert.That(runner.Commands, Is.EqualTo(new[]
        {
            "ssh -o BatchMode=yes -o ConnectTimeout=10 -o IdentitiesOnly=yes -i /etc/testfarm/id_ed25519 -p 22 ops@w-2.rack1 -- 'crictl ps -q --state running --namespace '^rook-ceph$''",
            "ssh -o BatchMode=yes -o ConnectTimeout=10 -o IdentitiesOnly=yes -i /etc/testfarm/id_ed25519 -p 22 ops@w-2.rack1 -- 'crictl stop 3f1c2a9b8d7e a0b1c2d3e4f5a6b7'",
        }));
    }

    [Test]
    public async Task No_running_container_means_nothing_is_stopped()
    {
        var runner = new FakeSshRunner();
        Assert.That(await new SshNodeAgent(runner, Options).KillContainersAsync("w-2", null), Is.Zero);
        Assert.That(runner.Commands, Has.Count.EqualTo(1));
    }

    [Test]
    public void A_failed_command_or_an_odd_listing_is_an_error_naming_the_node_and_nothing_more_is_run()
    {
        var runner = new FakeSshRunner();
        runner.Answers.Enqueue((255, ["ssh: connect to host w-3.rack1 port 22: Connection refused"]));
        var agent = new SshNodeAgent(runner, Options);
        Assert.That(() => agent.KillKubeletAsync("w-3"), Throws.InvalidOperationException
            .With.Message.EqualTo("w-3 (ops@w-3.rack1:22): 'systemctl kill --signal=SIGKILL kubelet; systemctl stop kubelet' over ssh exited 255: ssh: connect to host w-3.rack1 port 22: Connection refused"));
        runner.Answers.Enqueue((0, ["abc; reboot"]));
        Assert.That(() => agent.KillContainersAsync("w-3", null), Throws.InvalidOperationException.With.Message.Contains("not a container id"));
        Assert.That(runner.Commands, Has.Count.EqualTo(2), "no crictl stop after an odd listing");
        Assert.That(() => agent.KillContainersAsync("w-3", "x'; reboot"), Throws.ArgumentException);
    }

    [Test]
    public void A_known_hosts_file_makes_ssh_accept_a_new_host_key_and_refuse_a_changed_one_and_only_that_file_counts()
    {
        var agent = new SshNodeAgent(new FakeSshRunner(), Options with { Port = 2222, KnownHostsFile = "/var/lib/testfarm/ssh-known-hosts/lease-1.known_hosts" });
        Assert.That(string.Join(' ', agent.Arguments("10.0.0.5", "true")), Is.EqualTo(
            "-o BatchMode=yes -o ConnectTimeout=10 -o IdentitiesOnly=yes -i /etc/testfarm/id_ed25519 -p 2222 -o StrictHostKeyChecking=accept-new " +
            "-o UserKnownHostsFile=/var/lib/testfarm/ssh-known-hosts/lease-1.known_hosts -o GlobalKnownHostsFile=/dev/null -o HashKnownHosts=no -o LogLevel=ERROR ops@10.0.0.5 -- true"));
    }

    [Test]
    public async Task Each_lease_has_its_own_known_hosts_file_and_a_node_outside_the_pool_is_refused_before_any_ssh()
    {
        var folder = Directory.CreateTempSubdirectory("tf-known-hosts-").FullName;
        try
        {
            var bmc = new Core.Pool.BmcEndpoint { Url = new Uri("http://127.0.0.1/"), Credentials = new Core.Pool.CredentialReference { PasswordEnv = "X" } };
            var pool = new Core.Pool.PoolInventory
            {
                Machines = [new Core.Pool.PoolMachine { Id = "m-1", Profile = "p", Bmc = bmc, ProvisioningMac = "52:54:00:00:00:01",
                    Labels = new Dictionary<string, string> { ["address"] = "10.1.0.11" } }],
            };
            var runner = new FakeSshRunner();
            var agents = new SshLeaseNodeAgents(runner, new Core.Pool.SshNodeAccess { User = "ops", Port = 2200 }, pool, folder, TimeProvider.System);
            await agents.For("lease-a").KillKubeletAsync("m-1");
            await agents.For("lease/b").StartKubeletAsync("m-1");
            Assert.That(runner.Commands[0], Does.Contain($"UserKnownHostsFile={folder}/lease-a.known_hosts").And.Contain("-p 2200 -o StrictHostKeyChecking=accept-new").And.Contain("ops@10.1.0.11 --"));
            Assert.That(runner.Commands[1], Does.Contain($"UserKnownHostsFile={folder}/lease_b.known_hosts"));
            Assert.That(() => agents.For("lease-a").KillKubeletAsync("kube-01"), Throws.TypeOf<Scenarios.Chaos.ChaosRefusedException>()
                .With.Message.EqualTo("node 'kube-01' is no machine of the pool: the farm logs in only to its own machines"));
            Assert.That(runner.Commands, Has.Count.EqualTo(2));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
