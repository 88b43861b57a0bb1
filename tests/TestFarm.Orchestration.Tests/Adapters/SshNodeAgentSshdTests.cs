using System.Diagnostics;
using TestFarm.Core.Pool;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Orchestration.Adapters;
using TestFarm.Testing.Ssh;

namespace TestFarm.Orchestration.Tests.Adapters;

/// <summary>
/// The SSH node agent against a real sshd on 127.0.0.1 (Debian's openssh-server, started by the test with its own host key,
/// an authorized key the test generated and stand-in systemctl/crictl on the session's PATH): the real <c>ssh</c> client
/// through the real process runner, as a pool backend uses it.
/// </summary>
[NonParallelizable]
public sealed class SshNodeAgentSshdTests
{
    private static readonly BmcEndpoint Bmc = new() { Url = new Uri("http://127.0.0.1/"), Credentials = new CredentialReference { PasswordEnv = "X" } };

    private static PoolInventory Pool => new()
    {
        Machines = [new PoolMachine { Id = "w-1", Profile = "p", Bmc = Bmc, ProvisioningMac = "52:54:00:00:00:01",
            Labels = new Dictionary<string, string> { ["address"] = "127.0.0.1" } }],
    };

    private static SshLeaseNodeAgents Agents(TestSshd sshd, string? key = null, TimeSpan? commandTimeout = null) =>
        new(new ProcessRunner(TimeProvider.System), new SshNodeAccess
        {
            User = sshd.User, KeyFile = key ?? sshd.ClientKey, Port = sshd.Port, ConnectTimeout = TimeSpan.FromSeconds(10),
            CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(60),
        }, Pool, Path.Combine(sshd.Scratch, "known-hosts"), TimeProvider.System);

    [Test, CancelAfter(120_000)]
    public async Task Kill_kubelet_stops_it_through_systemctl_on_the_node_and_start_brings_it_back()
    {
        await using var sshd = await TestSshd.StartAsync();
        var agent = Agents(sshd).For("lease-1");
        await agent.KillKubeletAsync("w-1");
        Assert.That(sshd.KubeletState, Is.EqualTo("inactive"));
        await agent.StartKubeletAsync("w-1");
        Assert.That(sshd.KubeletState, Is.EqualTo("active"));
        Assert.That(sshd.Calls, Is.EqualTo(new[] { "systemctl kill --signal=SIGKILL kubelet", "systemctl stop kubelet", "systemctl start kubelet" }));
    }

    [Test, CancelAfter(120_000)]
    public async Task Kill_containers_stops_the_running_containers_of_one_namespace_or_of_all()
    {
        await using var sshd = await TestSshd.StartAsync();
        sshd.SetContainers(("3f1c2a9b8d7e", "rook-ceph"), ("a0b1c2d3e4f5a6b7", "rook-ceph"), ("0123456789ab", "kube-system"), ("fedcba987654", "rook-ceph-x"));
        var agent = Agents(sshd).For("lease-1");

        Assert.That(await agent.KillContainersAsync("w-1", "rook-ceph"), Is.EqualTo(2));
        Assert.That(sshd.RunningContainers, Is.EqualTo(new[] { "0123456789ab", "fedcba987654" }), "only rook-ceph's, not rook-ceph-x's");
        Assert.That(await agent.KillContainersAsync("w-1", null), Is.EqualTo(2));
        Assert.That(sshd.RunningContainers, Is.Empty);
        Assert.That(await agent.KillContainersAsync("w-1", null), Is.Zero);
        Assert.That(sshd.Calls, Is.EqualTo(new[]
        {
            "crictl ps -q --state running --namespace ^rook-ceph$", "crictl stop 3f1c2a9b8d7e a0b1c2d3e4f5a6b7",
            "crictl ps -q --state running", "crictl stop 0123456789ab fedcba987654",
            "crictl ps -q --state running",
        }));
    }

    [Test, CancelAfter(120_000)]
    public async Task A_key_the_node_does_not_know_is_refused_naming_the_node_and_its_address_and_no_key_material()
    {
        await using var sshd = await TestSshd.StartAsync();
        var agent = Agents(sshd, key: sshd.StrangerKey).For("lease-1");
        var e = Assert.ThrowsAsync<InvalidOperationException>(() => agent.KillKubeletAsync("w-1"))!;
        Assert.That(e.Message, Does.StartWith($"w-1 ({sshd.User}@127.0.0.1:{sshd.Port}): 'systemctl kill --signal=SIGKILL kubelet; systemctl stop kubelet' over ssh exited 255: "));
        Assert.That(e.Message, Does.Contain("Permission denied (publickey)"));
        foreach (var line in File.ReadAllLines(sshd.StrangerKey).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)))
            Assert.That(e.Message, Does.Not.Contain(line), "no line of the private key");
        Assert.That(sshd.Calls, Is.Empty);
    }

    [Test, CancelAfter(120_000)]
    public async Task A_host_key_that_changes_within_a_lease_is_refused_and_a_new_lease_accepts_the_reimaged_machines_key()
    {
        await using var sshd = await TestSshd.StartAsync();
        var agents = Agents(sshd);
        await agents.For("lease-1").KillKubeletAsync("w-1");
        Assert.That(File.ReadAllText(agents.KnownHostsFile("lease-1")), Is.EqualTo($"[127.0.0.1]:{sshd.Port} {sshd.HostPublicKey}\n"));

        await sshd.ReplaceHostKeyAsync();
        var e = Assert.ThrowsAsync<InvalidOperationException>(() => agents.For("lease-1").StartKubeletAsync("w-1"))!;
        Assert.That(e.Message, Is.EqualTo($"w-1 ({sshd.User}@127.0.0.1:{sshd.Port}): 'systemctl start kubelet' over ssh exited 255: the host key of " +
            $"{sshd.User}@127.0.0.1:{sshd.Port} is not the one this lease first saw (known hosts {agents.KnownHostsFile("lease-1")}): refused"));
        Assert.That(sshd.KubeletState, Is.EqualTo("inactive"), "nothing ran on the impostor");

        await agents.For("lease-2").StartKubeletAsync("w-1");
        Assert.That(sshd.KubeletState, Is.EqualTo("active"));
    }

    [Test, CancelAfter(120_000)]
    public async Task A_node_that_never_answers_is_given_up_at_the_command_timeout()
    {
        await using var sshd = await TestSshd.StartAsync();
        sshd.Hang();
        var agent = Agents(sshd, commandTimeout: TimeSpan.FromSeconds(20)).For("lease-1");
        var clock = Stopwatch.StartNew();
        var e = Assert.ThrowsAsync<TimeoutException>(() => agent.KillKubeletAsync("w-1"))!;
        Assert.That(e.Message, Is.EqualTo($"w-1 ({sshd.User}@127.0.0.1:{sshd.Port}): 'systemctl kill --signal=SIGKILL kubelet; systemctl stop kubelet' over ssh did not finish within 20s; stopped"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "bounded by the command timeout, not by the node");
        Assert.That(sshd.Calls, Is.EqualTo(new[] { "systemctl kill --signal=SIGKILL kubelet" }), "the login worked; the node hung");
    }
}
