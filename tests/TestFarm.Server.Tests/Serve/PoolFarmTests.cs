using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using TestFarm.Cli.Commands.Serve;
using TestFarm.Cli.Commands.Validate;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;
using TestFarm.Provisioning.Image;
using TestFarm.Scenarios;
using TestFarm.Server.Hosting;
using TestFarm.Storage;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// <c>serve</c> without the lab: the farm backend built from a pool file alone (<see cref="PoolFarm"/>), its boot
/// service serving an image from <c>testfarm image build</c>. The rack is the lab's virtual BMCs in their own HTTP
/// server, known to the farm only through the pool file, with simulated machines that network-boot from the farm's
/// boot service like real ones. The plan deploys k3s over SSH: here there is no machine to log in to (the address is
/// 127.0.0.1, the login a user no host has), so the run shows every phase up to deploy on the pool's machines and the
/// deployer's own refusal.
/// </summary>
[CancelAfter(150_000), NonParallelizable]
public sealed class PoolFarmTests
{
    private const string PasswordEnv = "TF_POOL_TEST_BMC_PASSWORD";
    private const string Password = "pool-secret-1";

    private static readonly ProvisioningPolicy Fast = ProvisioningPolicy.Uniform(new PhasePolicy { Deadline = TimeSpan.FromSeconds(20) }, TimeSpan.FromSeconds(1));

    [Test]
    public async Task A_triggered_plan_runs_on_the_pool_files_machines_through_their_bmcs_and_the_farms_boot_service(CancellationToken ct)
    {
        var kernel = Fixtures.Repo(".tools", "kernel");
        if (!File.Exists(Path.Combine(kernel, "vmlinuz"))) Assert.Fail("no lab kernel in .tools/kernel: run scripts/install-deps.sh");
        using var root = new TempDirectory("tf-pool-farm");
        var image = await LabImageBuilder.BuildAsync(new LabImageOptions { KernelDir = kernel, OutDir = Path.Combine(root.Path, "image"), BuildId = "pool-build-7" }, ct);

        // The rack: two machines behind virtual BMCs; their firmware chains to the farm's boot service.
        var bootPort = FreeLoopbackPort();
        var profile = ProfileFileReader.Read(Fixtures.Repo("hardware-profiles", "epyc-9354-e810.yaml"));
        await using var rack = await VirtualLab.StartAsync(new LabOptions
        {
            SimulatedMachines = 2, Password = Password, BootUrl = new Uri($"http://127.0.0.1:{bootPort}/boot/v1/ipxe"),
            DefaultTimings = new SimulatedTimings { Post = TimeSpan.FromMilliseconds(300), Boot = TimeSpan.FromMilliseconds(300), Shutdown = TimeSpan.Zero },
        }, [profile], TimeProvider.System, cancellationToken: ct);
        var rackPool = rack.ToPool(PasswordEnv);
        WriteCheckout(root.Path, rackPool with
        {
            Machines = [.. rackPool.Machines.Select(m => m with { Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["address"] = "127.0.0.1" } })],
        });
        var config = ConfigFileReader.Load(root.Path, null, ScenariosServiceCollectionExtensions.BuiltInValidators());
        Assert.That(config.Errors, Is.Empty);

        await using var farm = await PoolFarm.StartAsync(new PoolFarmOptions
        {
            Pool = config.Pool!.Value, Profiles = [.. config.Profiles.Select(p => p.Value)], BootListen = new IPEndPoint(IPAddress.Loopback, bootPort),
            ImageDirectories = [Path.Combine(root.Path, "image")], DataDirectory = Path.Combine(root.Path, "data"), Provisioning = Fast,
            Environment = name => name == PasswordEnv ? Password : null,
            SshUser = "tf-no-such-user", // no login on this host, whatever runs on its port 22
        }, TimeProvider.System, LoggerFactory.Create(_ => { }), ct);
        Assert.That(farm.BuildId, Is.EqualTo(image.BuildId));
        var db = Path.Combine(root.Path, "farm.db");
        await using var app = await FarmServer.BuildAsync(ServeFixture.Options(config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = db }, "serve-pool"), farm,
            logging: b => b.SetMinimumLevel(LogLevel.Warning), ct: ct);
        await app.StartAsync(ct);
        using var api = new ApiClient(new Uri(FarmServer.BoundAddress(app)), app);

        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "pool-k3s" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var run = await api.WaitForRunEndAsync(body!["id"]!.GetValue<string>(), TimeSpan.FromSeconds(120), ct);

        var cell = run["cells"]!.AsArray().Single()!;
        Assert.That(cell["verdict"]!.GetValue<string>(), Is.EqualTo("InfraError"), cell.ToJsonString());
        var phases = cell["phases"]!.AsArray().Where(p => !p!["phase"]!.GetValue<string>().Contains('/'))
            .ToDictionary(p => p!["phase"]!.GetValue<string>(), p => p!);
        Assert.That(phases["reserve"]["state"]!.GetValue<string>(), Is.EqualTo("Succeeded"));
        Assert.That(phases["reimage"]["state"]!.GetValue<string>(), Is.EqualTo("Succeeded"), cell.ToJsonString());
        Assert.That(phases["deploy"]["state"]!.GetValue<string>(), Is.EqualTo("Failed"));
        Assert.That(phases["deploy"]["error"]!.GetValue<string>(), Does.Contain("ssh").And.Contain("tf-no-such-user@127.0.0.1").And.Contain("K3S_TOKEN='***'"),
            "the deployer's own command, named, its token hidden");
        Assert.That(phases["clean"]["state"]!.GetValue<string>(), Is.EqualTo("Succeeded"), cell.ToJsonString());
        Assert.That(phases, Does.Not.ContainKey("suites"));

        // Both machines really went through their BMCs: one-time PXE boot, the image's agent called back, then wiped.
        foreach (var machine in rack.Machines)
        {
            Assert.That(machine.Backend.CurrentBoot, Is.EqualTo(BootDevice.Pxe), machine.Id);
            var detail = await api.GetAsync($"/api/v1/machines/{machine.Id}");
            Assert.That(detail["machine"]!["state"]!.GetValue<string>(), Is.EqualTo("Available"), detail.ToJsonString());
            Assert.That(detail["events"]!.AsArray().Select(e => e!["to"]!.GetValue<string>()),
                Is.SupersetOf(new[] { "Reserved", "Provisioning", "InUse", "Cleaning", "Available" }));
        }
        Assert.That((await api.GetAsync("/api/v1/leases")).AsArray(), Is.Empty);
        var audit = await HoldAudit.RunAsync(new SqliteDialect(db), ct);
        Assert.That(audit.Clean, Is.True, string.Join("; ", audit.Problems));
    }

    [Test]
    public void Images_of_two_builds_are_refused_naming_each_folder()
    {
        using var root = new TempDirectory("tf-pool-images");
        foreach (var (dir, build) in new[] { ("a", "build-1"), ("b", "build-2") })
        {
            Directory.CreateDirectory(Path.Combine(root.Path, dir));
            File.WriteAllText(Path.Combine(root.Path, dir, LabImageBuilder.ManifestName), $$"""{ "name": "img", "buildId": "{{build}}", "arch": "Amd64" }""");
        }
        var e = Assert.ThrowsAsync<Cli.Commands.Nightly.FarmSetupException>(() => PoolFarm.StartAsync(new PoolFarmOptions
        {
            Pool = new PoolInventory(), Profiles = [], BootListen = new IPEndPoint(IPAddress.Loopback, 0),
            ImageDirectories = [Path.Combine(root.Path, "a"), Path.Combine(root.Path, "b")], DataDirectory = root.Path,
        }, TimeProvider.System, LoggerFactory.Create(_ => { }), CancellationToken.None));
        Assert.That(e!.Message, Does.Contain($"{Path.Combine(root.Path, "a")}: build-1").And.Contain($"{Path.Combine(root.Path, "b")}: build-2"));
    }

    [Test]
    public void Bad_adapter_options_from_the_configuration_fail_at_start_naming_each_key_and_value()
    {
        using var root = new TempDirectory("tf-pool-options");
        Directory.CreateDirectory(Path.Combine(root.Path, "a"));
        File.WriteAllText(Path.Combine(root.Path, "a", LabImageBuilder.ManifestName), """{ "name": "img", "buildId": "build-1", "arch": "Amd64" }""");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Redfish:PollInterval"] = "00:00:00.010",
            ["Provisioning:HeartbeatInterval"] = "00:00:00.020",
        }).Build();

        var e = Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => PoolFarm.StartAsync(new PoolFarmOptions
        {
            Pool = new PoolInventory(), Profiles = [], BootListen = new IPEndPoint(IPAddress.Loopback, 0),
            ImageDirectories = [Path.Combine(root.Path, "a")], DataDirectory = root.Path, Configuration = configuration,
        }, TimeProvider.System, LoggerFactory.Create(_ => { }), CancellationToken.None));

        Assert.That(e!.Failures, Is.SupersetOf(new[]
        {
            "Redfish:PollInterval must be at least 50ms, was 10ms",
            "Provisioning:HeartbeatInterval must be at least 100ms, was 20ms",
        }));
    }

    [Test]
    public void Serve_options_for_the_pool_name_what_is_missing_or_malformed()
    {
        var errors = new List<string>();
        Assert.That(ServeArguments.ParseHardware(null, null, [], lab: false, "/r", errors), Is.Null);
        Assert.That(errors, Is.Empty, "neither option: the API alone is served");

        Assert.That(ServeArguments.ParseHardware("http://farm.example:80", "ftp://x", [], lab: false, "/r", errors), Is.Null);
        Assert.That(errors, Is.EqualTo(new[]
        {
            "--boot-listen: expected http://ADDRESS:PORT with an IP address (e.g. http://0.0.0.0:8081), was 'http://farm.example:80'",
            "--boot-url: expected the http:// URL the machines reach the boot service at, was 'ftp://x'",
            "--image: needed with --boot-listen (a folder from 'testfarm image build')",
        }));

        errors.Clear();
        ServeArguments.CheckQemu(1, null, lab: false, "/r", errors);
        ServeArguments.CheckQemu(9, -1, lab: true, "/r", errors);
        Assert.That(errors, Is.EqualTo(new[]
        {
            "--qemu and --qemu-arm64 are lab machines: give them with --lab",
            "--qemu must be 0 to 8, was 9",
            "--qemu-arm64 must be 0 to 4, was -1",
        }));

        errors.Clear();
        Assert.That(ServeArguments.ParseHardware("http://127.0.0.1:8081", null, ["img"], lab: true, "/r", errors), Is.Null);
        Assert.That(errors.Single(), Does.StartWith("--lab runs the built-in lab's own boot service"));

        errors.Clear();
        Assert.That(ServeArguments.ParseHardware("http://0.0.0.0:8081", null, ["img"], lab: false, "/r", errors), Is.Null);
        Assert.That(errors.Single(), Is.EqualTo("--boot-url: needed when --boot-listen is http://0.0.0.0:8081 (machines cannot reach the boot service at that address)"));

        errors.Clear();
        var ok = ServeArguments.ParseHardware("http://0.0.0.0:8081", "http://10.1.0.5:8081", ["img"], lab: false, "/r", errors);
        Assert.That(errors, Is.Empty);
        Assert.That(ok, Is.EqualTo(new HardwareArguments(new IPEndPoint(IPAddress.Any, 8081), new Uri("http://10.1.0.5:8081"), ok!.Images)));
        Assert.That(ok.Images, Is.EqualTo(new[] { "/r/img" }));
    }

    [Test]
    public async Task The_serve_command_refuses_bad_pool_options_and_names_a_missing_image_folder()
    {
        using var root = new TempDirectory("tf-pool-serve");
        WriteCheckout(root.Path, new PoolInventory
        {
            Machines = [.. new[] { "m1", "m2" }.Select((id, i) => new PoolMachine
            {
                Id = id, Profile = "epyc-9354-e810", ProvisioningMac = $"52:54:00:00:20:0{i + 1}",
                Bmc = new BmcEndpoint { Url = new Uri($"http://127.0.0.1:9/bmc/{id}"), Credentials = new CredentialReference { User = "admin", PasswordEnv = PasswordEnv } },
            })],
        });
        File.WriteAllText(Path.Combine(root.Path, "testfarm.tokens"), "");
        using var error = new StringWriter();
        var config = new System.CommandLine.InvocationConfiguration { Output = TextWriter.Null, Error = error };
        var serve = new ServeCommand(ScenariosServiceCollectionExtensions.BuiltInValidators()).Build();

        var code = await serve.Parse(["--root", root.Path, "--boot-listen", "http://farm.example:80", "--image", "img"]).InvokeAsync(config);
        Assert.That(code, Is.EqualTo(Cli.ExitCodes.Usage));
        Assert.That(error.ToString(), Does.Contain("serve: --boot-listen: expected http://ADDRESS:PORT with an IP address"));

        code = await serve.Parse(["--root", root.Path, "--boot-listen", "http://127.0.0.1:0", "--image", "img", "--ssh-key", "no-such-key"]).InvokeAsync(config);
        Assert.That(code, Is.EqualTo(Cli.ExitCodes.Usage));
        Assert.That(error.ToString(), Does.Contain($"serve: --ssh-key: no such file {Path.Combine(root.Path, "no-such-key")}"));

        // A pool file that says how to log in (nodeAccess.ssh) says it for the deployers too: the flags beside it are refused.
        var key = Path.Combine(root.Path, "id_farm");
        File.WriteAllText(key, "only its mode is checked here");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var poolFile = Path.Combine(root.Path, "pool.yaml");
        var poolYaml = File.ReadAllText(poolFile).TrimEnd('\n') + "\n";
        File.WriteAllText(poolFile, poolYaml + "nodeAccess:\n  ssh: {user: ops, keyFile: id_farm}\n");
        var sshLine = poolYaml.Split('\n').Length + 1; // nodeAccess: on the line after the pool's last, ssh: below it
        code = await serve.Parse(["--root", root.Path, "--boot-listen", "http://127.0.0.1:0", "--image", "img", "--ssh-user", "root", "--ssh-key", "id_farm"]).InvokeAsync(config);
        Assert.That(code, Is.EqualTo(Cli.ExitCodes.Usage), error.ToString());
        Assert.That(error.ToString(), Does.Contain($"serve: --ssh-user and --ssh-key: the pool file says how to log in to the machines (pool.yaml:{sshLine}:"));
        File.WriteAllText(poolFile, poolYaml);

        code = await serve.Parse(["--root", root.Path, "--db", $"sqlite:{Path.Combine(root.Path, "farm.db")}", "--boot-listen", "http://127.0.0.1:0", "--image", "no-such-image"]).InvokeAsync(config);
        Assert.That(code, Is.EqualTo(Cli.ExitCodes.FarmFailure), error.ToString());
        Assert.That(error.ToString(), Does.Contain($"serve: --image {Path.Combine(root.Path, "no-such-image")}: "));
    }

    private static void WriteCheckout(string root, PoolInventory pool)
    {
        Directory.CreateDirectory(Path.Combine(root, "hardware-profiles"));
        Directory.CreateDirectory(Path.Combine(root, "scenarios", "plans"));
        Directory.CreateDirectory(Path.Combine(root, "scenarios", "suites"));
        File.Copy(Fixtures.Repo("hardware-profiles", "epyc-9354-e810.yaml"), Path.Combine(root, "hardware-profiles", "epyc-9354-e810.yaml"));
        File.Copy(Fixtures.Repo("scenarios", "suites", "conformance-quick.yaml"), Path.Combine(root, "scenarios", "suites", "conformance-quick.yaml"));
        File.WriteAllText(Path.Combine(root, "scenarios", "plans", "pool-k3s.yaml"),
            LabPlans.Smoke("{ kind: manual }", "epyc-9354-e810").Replace("name: lab-smoke", "name: pool-k3s").Replace("deployer: lab", "deployer: k3s"));
        File.WriteAllText(Path.Combine(root, "pool.yaml"), PoolFileWriter.ToYaml(pool));
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
