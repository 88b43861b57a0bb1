using System.Text.Json.Nodes;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Testing;

namespace TestFarm.Kubernetes.Tests;

/// <summary>Deployers build the right files and commands; kubespray's inventory is judged by the real ansible-inventory.</summary>
public sealed class DeployerTests
{
    private static DeployRequest Request(string dir) => new()
    {
        CellId = "nightly/dell-r650/ha3+2",
        KubernetesVersion = "1.32.0",
        ArtifactDirectory = dir,
        Machines =
        [
            new ClusterMachine("cp-1", "10.1.0.11", [NodeRole.ControlPlane, NodeRole.Etcd]),
            new ClusterMachine("cp-2", "10.1.0.12", [NodeRole.ControlPlane, NodeRole.Etcd]),
            new ClusterMachine("cp-3", "10.1.0.13", [NodeRole.ControlPlane, NodeRole.Etcd]),
            new ClusterMachine("w-1", "10.1.0.21", [NodeRole.Worker]),
            new ClusterMachine("w-2", "10.1.0.22", [NodeRole.Worker]),
        ],
    };

    [Test]
    public async Task Kubespray_inventory_is_read_by_the_real_ansible_inventory()
    {
        using var dir = new TempDirectory("kubespray");
        KubesprayDeployer.WriteInventory(Request(dir.Path), dir.File("inventory"));
        var runner = new ProcessRunner(TimeProvider.System);
        var output = new List<string>();

        var result = await runner.RunAsync(new ProcessSpec
        {
            FileName = "ansible-inventory",
            Arguments = ["-i", Path.Combine(dir.File("inventory"), "hosts.yaml"), "--list"],
            Timeout = TimeSpan.FromSeconds(60),
        }, output.Add);

        Assert.That(result.ExitCode, Is.EqualTo(0), string.Join("\n", output));
        var json = JsonNode.Parse(string.Join("\n", output.Where(l => !l.StartsWith("[WARNING]", StringComparison.Ordinal))))!;
        Assert.That(Hosts(json, "kube_control_plane"), Is.EqualTo(new[] { "cp-1", "cp-2", "cp-3" }));
        Assert.That(Hosts(json, "etcd"), Is.EqualTo(new[] { "cp-1", "cp-2", "cp-3" }));
        Assert.That(Hosts(json, "kube_node"), Is.EqualTo(new[] { "w-1", "w-2" }));
        Assert.That(json["k8s_cluster"]!["children"]!.AsArray().Select(c => c!.GetValue<string>()), Is.EquivalentTo(new[] { "kube_control_plane", "kube_node" }));
        var w1 = json["_meta"]!["hostvars"]!["w-1"]!;
        Assert.That(w1["ansible_host"]!.GetValue<string>(), Is.EqualTo("10.1.0.21"));
        Assert.That(w1["ip"]!.GetValue<string>(), Is.EqualTo("10.1.0.21"));
        Assert.That(w1["access_ip"]!.GetValue<string>(), Is.EqualTo("10.1.0.21"));
        Assert.That(w1["kube_version"]!.GetValue<string>(), Is.EqualTo("v1.32.0"));
        Assert.That(w1["metallb_enabled"]!.GetValue<bool>(), Is.False);
    }

    private static string[] Hosts(JsonNode json, string group) =>
        json[group]!["hosts"]!.AsArray().Select(h => h!.GetValue<string>()).ToArray();

    [Test]
    public async Task Kubespray_runs_the_playbook_keeps_the_log_and_the_kubeconfig()
    {
        using var dir = new TempDirectory("kubespray");
        var runner = new FakeProcessRunner(spec =>
        {
            var inventory = Path.GetDirectoryName(spec.Arguments[1])!;
            Directory.CreateDirectory(Path.Combine(inventory, "artifacts"));
            File.WriteAllText(Path.Combine(inventory, "artifacts", "admin.conf"), "apiVersion: v1\nkind: Config\n");
            return (0, ["PLAY [kube_control_plane]", "PLAY RECAP ok=812 failed=0"]);
        });
        var deployer = new KubesprayDeployer(new KubesprayOptions { KubesprayDirectory = "/opt/kubespray" }, runner);

        var cluster = await deployer.DeployAsync(Request(dir.Path));

        var run = runner.Runs.Single();
        Assert.That(run.FileName, Is.EqualTo("ansible-playbook"));
        Assert.That(run.Arguments, Does.Contain("cluster.yml"));
        Assert.That(run.WorkingDirectory, Is.EqualTo("/opt/kubespray"));
        Assert.That(File.ReadAllText(cluster.LogPath), Does.Contain("PLAY RECAP ok=812 failed=0").And.Contain("# exit 0"));
        Assert.That(File.ReadAllText(cluster.KubeconfigPath), Does.Contain("kind: Config"));
    }

    [Test]
    public async Task Kubespray_failure_names_the_command_and_the_log()
    {
        using var dir = new TempDirectory("kubespray");
        var deployer = new KubesprayDeployer(new KubesprayOptions { KubesprayDirectory = "/opt/kubespray" },
            new FakeProcessRunner(_ => (2, ["fatal: [cp-1]: UNREACHABLE!"])));

        var e = Assert.ThrowsAsync<DeployException>(() => deployer.DeployAsync(Request(dir.Path)));

        Assert.That(e!.Message, Does.Contain("ansible-playbook").And.Contain("exit code 2").And.Contain("kubespray.log"));
    }

    [Test]
    public async Task K3s_installs_first_server_then_joins_the_rest_and_never_logs_the_token()
    {
        using var dir = new TempDirectory("k3s");
        var runner = new FakeProcessRunner(spec => spec.Arguments[^1].StartsWith("cat ", StringComparison.Ordinal)
            ? (0, ["apiVersion: v1", "clusters:", "- cluster:", "    server: https://127.0.0.1:6443", "  name: default"])
            : (0, [$"[INFO]  token is {TokenOf(spec)}"]));

        var cluster = await new K3sDeployer(runner).DeployAsync(Request(dir.Path));

        var remote = runner.Runs.Select(r => r.Arguments[^1]).ToList();
        Assert.That(remote[0], Does.Contain("server --cluster-init --disable servicelb").And.Contain("INSTALL_K3S_VERSION='v1.32.0+k3s1'"));
        Assert.That(remote.Skip(1).Take(2), Has.All.Contains("server --server https://10.1.0.11:6443"));
        Assert.That(remote.Skip(3).Take(2), Has.All.Contains("agent --server https://10.1.0.11:6443"));
        Assert.That(runner.Runs[3].Arguments, Does.Contain("root@10.1.0.21"));
        var token = TokenOf(runner.Runs[0]);
        Assert.That(token, Has.Length.EqualTo(64));
        Assert.That(File.ReadAllText(cluster.LogPath), Does.Not.Contain(token).And.Contain("K3S_TOKEN='***'"));
        Assert.That(File.ReadAllText(cluster.KubeconfigPath), Does.Contain("server: https://10.1.0.11:6443"));
    }

    private static string TokenOf(ProcessSpec spec)
    {
        var remote = spec.Arguments[^1];
        var start = remote.IndexOf("K3S_TOKEN='", StringComparison.Ordinal) + "K3S_TOKEN='".Length;
        return remote[start..remote.IndexOf('\'', start)];
    }

    [Test]
    public void Talos_generates_config_applies_to_each_machine_then_bootstraps_once()
    {
        var commands = TalosDeployer.Commands(Request("/artifacts/cell"));

        var verbs = commands.Select(c => string.Join(' ', c.Arguments.Take(2))).ToList();
        Assert.That(verbs, Is.EqualTo(new[]
        {
            "gen config", "apply-config --insecure", "apply-config --insecure", "apply-config --insecure",
            "apply-config --insecure", "apply-config --insecure", "bootstrap --nodes", "kubeconfig /artifacts/cell/kubeconfig",
        }));
        Assert.That(commands[0].Arguments, Does.Contain("https://10.1.0.11:6443").And.Contain("tf-nightly-dell-r650-ha3-2"));
        Assert.That(commands[4].Arguments, Does.Contain("/artifacts/cell/talos/worker.yaml"));
        Assert.That(commands[1].Arguments, Does.Contain("/artifacts/cell/talos/controlplane.yaml"));
    }

    [Test]
    public void Kubeconfig_secrets_are_redacted_for_reports()
    {
        const string config = "users:\n- name: a\n  user:\n    client-key-data: LS0tS0VZ\n    token: abc.def\n";

        var shown = KubeconfigRedactor.Redact(config);

        Assert.That(shown, Does.Not.Contain("LS0tS0VZ").And.Not.Contain("abc.def"));
        Assert.That(shown, Does.Contain("client-key-data: REDACTED").And.Contain("token: REDACTED"));
    }
}
