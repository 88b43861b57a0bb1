using TestFarm.Core.Pool;

namespace TestFarm.Configuration.Tests;

/// <summary>The pool file's <c>nodeAccess.ssh</c>: defaults, and every bad setting named at its place.</summary>
public sealed class PoolNodeAccessTests
{
    private static readonly (string, string) Profile = ("hardware-profiles/small.yaml", ConfigText.Profile);

    private static string Pool(string nodeAccess) => ConfigText.Pool(("m-1", "small", "l2a")) + nodeAccess;

    [Test]
    public void Defaults_are_root_on_port_22_at_the_machines_address_with_bounded_timeouts()
    {
        var set = ConfigText.Load(Profile, ("pool.yaml", Pool("nodeAccess:\n  ssh: {}\n")));
        Assert.That(ConfigText.Messages(set), Is.Empty);
        var ssh = set.Pool!.Value.Ssh!;
        Assert.That((ssh.User, ssh.KeyFile, ssh.Port, ssh.Host), Is.EqualTo(("root", (string?)null, 22, "{address}")));
        Assert.That((ssh.ConnectTimeout, ssh.CommandTimeout), Is.EqualTo((TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1))));
    }

    [Test]
    public void The_host_is_the_address_label_by_default_else_the_id_and_a_template_may_name_either()
    {
        var bmc = new BmcEndpoint { Url = new Uri("http://127.0.0.1/"), Credentials = new CredentialReference { PasswordEnv = "X" } };
        var labelled = new PoolMachine { Id = "r1-u02", Profile = "p", Bmc = bmc, ProvisioningMac = "52:54:00:00:00:01", Labels = new Dictionary<string, string> { ["address"] = "10.0.0.12" } };
        var bare = labelled with { Labels = new Dictionary<string, string>() };
        Assert.That(new SshNodeAccess().HostOf(labelled), Is.EqualTo("10.0.0.12"));
        Assert.That(new SshNodeAccess().HostOf(bare), Is.EqualTo("r1-u02"));
        Assert.That(new SshNodeAccess { Host = "{id}.oob.rack1" }.HostOf(labelled), Is.EqualTo("r1-u02.oob.rack1"));
    }

    [Test]
    public void No_ssh_section_means_no_node_access()
    {
        var set = ConfigText.Load(Profile, ("pool.yaml", Pool("")));
        Assert.That(ConfigText.Messages(set), Is.Empty);
        Assert.That(set.Pool!.Value.Ssh, Is.Null);
    }

    [Test]
    public void Every_bad_setting_is_named_at_its_line_and_column()
    {
        const string access = """
            nodeAccess:
              ssh:
                user: "root; reboot"
                keyFile: "-----BEGIN OPENSSH PRIVATE KEY-----"
                port: 70000
                host: "{ip}.rack"
                connectTimeout: soon
                commandTimeout: 2h
                password: hunter2
            """;
        var set = ConfigText.Load(Profile, ("pool.yaml", Pool(access)));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[]
        {
            "pool.yaml:11:11: 'nodeAccess.ssh.user' must be a login name (letters, digits, '.', '_', '-'), was 'root; reboot'",
            "pool.yaml:12:14: 'nodeAccess.ssh.keyFile' must be the path of the private key file, not the key itself",
            "pool.yaml:13:11: 'nodeAccess.ssh.port' must be 1 to 65535, was 70000",
            "pool.yaml:14:11: 'nodeAccess.ssh.host' knows only {address} and {id}, not '{ip}'",
            "pool.yaml:15:21: 'nodeAccess.ssh.connectTimeout' must be a duration like 10s or 2m, was 'soon'",
            "pool.yaml:16:21: 'nodeAccess.ssh.commandTimeout' must be at most 3600s, was 7200s",
            "pool.yaml:17:5: unknown field 'password' in 'nodeAccess.ssh'; allowed: user, keyFile, port, host, connectTimeout, commandTimeout",
        }));
    }

    [Test]
    public void A_duration_too_long_to_add_up_is_an_error_not_a_crash()
    {
        var huge = string.Concat(Enumerable.Repeat("999999d", 12));
        var set = ConfigText.Load(Profile, ("pool.yaml", Pool($"nodeAccess:\n  ssh:\n    commandTimeout: {huge}\n")));
        Assert.That(ConfigText.Messages(set), Is.EqualTo(new[] { $"pool.yaml:11:21: 'nodeAccess.ssh.commandTimeout' must be a duration like 10s or 2m, was '{huge[..80]}…'" }));
    }
}
