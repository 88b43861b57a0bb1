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
            "ssh -o BatchMode=yes -o ConnectTimeout=10 -i /etc/testfarm/id_ed25519 ops@w-1.rack1 -- 'systemctl kill --signal=SIGKILL kubelet; systemctl stop kubelet'",
            "ssh -o BatchMode=yes -o ConnectTimeout=10 -i /etc/testfarm/id_ed25519 ops@w-1.rack1 -- 'systemctl start kubelet'",
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
            "ssh -o BatchMode=yes -o ConnectTimeout=10 -i /etc/testfarm/id_ed25519 ops@w-2.rack1 -- 'crictl ps -q --state running --namespace '^rook-ceph$''",
            "ssh -o BatchMode=yes -o ConnectTimeout=10 -i /etc/testfarm/id_ed25519 ops@w-2.rack1 -- 'crictl stop 3f1c2a9b8d7e a0b1c2d3e4f5a6b7'",
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
            .With.Message.EqualTo("w-3: 'systemctl kill --signal=SIGKILL kubelet; systemctl stop kubelet' over ssh exited 255: ssh: connect to host w-3.rack1 port 22: Connection refused"));
        runner.Answers.Enqueue((0, ["abc; reboot"]));
        Assert.That(() => agent.KillContainersAsync("w-3", null), Throws.InvalidOperationException.With.Message.Contains("not a container id"));
        Assert.That(runner.Commands, Has.Count.EqualTo(2), "no crictl stop after an odd listing");
        Assert.That(() => agent.KillContainersAsync("w-3", "x'; reboot"), Throws.ArgumentException);
    }
}
