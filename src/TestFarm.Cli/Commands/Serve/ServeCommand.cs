using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using TestFarm.Cli.Commands.Nightly;
using TestFarm.Cli.Commands.Validate;
using TestFarm.Core.Configuration;
using TestFarm.Server.Auth;
using TestFarm.Server.Hosting;
using TestFarm.Server.Metrics;
using TestFarm.Server.Runs;

namespace TestFarm.Cli.Commands.Serve;

/// <summary>
/// <c>testfarm serve [--db sqlite:PATH|postgres:CONNSTRING] [--listen URL] [--tokens FILE] [--lab [--qemu K] [--qemu-arm64 K] | --boot-listen URL --image DIR...] [--root DIR]</c>:
/// the long-running farm server. With <c>--lab</c> the built-in lab runs in-process so triggered plans really run (the same lab
/// as <c>lab nightly</c>: QEMU machines for the lab-qemu-* profiles where they can boot, simulated ones for the rest); with
/// <c>--boot-listen</c> and <c>--image</c> triggered plans run on the pool file's machines (their BMCs, the farm's boot
/// service, the plan's deployer over SSH); with neither the pool file's machines are registered and the API is served.
/// Stops gracefully on SIGTERM/Ctrl-C: runs in flight finish first.
/// Exit 0 after a clean stop, 1 on invalid configuration or tokens, 3 when the farm could not start.
/// </summary>
public sealed class ServeCommand(IEnumerable<IStepValidator> stepValidators) : ICliCommand
{
    public string Path => "serve";

    private readonly Option<string> _db = new("--db") { Description = "sqlite:PATH or postgres:CONNSTRING", DefaultValueFactory = _ => "sqlite:testfarm.db" };
    private readonly Option<string> _listen = new("--listen") { Description = "http://HOST:PORT to serve on", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
    private readonly Option<string> _tokens = new("--tokens") { Description = "Tokens file (name role sha256 per line)", DefaultValueFactory = _ => "testfarm.tokens" };
    private readonly Option<bool> _lab = new("--lab") { Description = "Run the built-in lab in-process as the farm's machines" };
    private readonly Option<int> _spares = new("--spares") { Description = "Spare lab machines per profile (with --lab)", DefaultValueFactory = _ => 1 };
    private readonly Option<int?> _qemu = new("--qemu") { Description = "QEMU lab machines that really network-boot (profile lab-qemu-amd64; with --lab; default 1 when QEMU is installed and a plan has such cells)" };
    private readonly Option<int?> _qemuArm64 = new("--qemu-arm64") { Description = "arm64 QEMU lab machines booting through UEFI and GRUB (profile lab-qemu-arm64; with --lab; default 1 when the arm64 boot chain is installed and a plan has such cells)" };
    private readonly Option<string?> _root = new("--root") { Description = "Checkout with hardware-profiles/, scenarios/ and pool.yaml (default: .)" };
    private readonly Option<string?> _instance = new("--instance") { Description = "This instance's name (lease holder); default host-pid" };
    private readonly Option<bool> _github = new("--github") { Description = "Serve POST /webhooks/github and report pull-request runs (needs GitHub__Token and GitHub__Webhooks__Secret)" };
    private readonly Option<string?> _data = new("--data") { Description = "The data folder: the lab's image, and each run's reports and artifacts under runs/<id>/ (default ./serve-data)" };
    private readonly Option<string?> _publicUrl = new("--public-url") { Description = "The farm's address as people reach it (e.g. https://farm.example.org/): GitHub checks link to run reports there" };
    private readonly Option<string?> _bootListen = new("--boot-listen") { Description = "http://ADDRESS:PORT the boot service listens on (on the provisioning network); runs plans on the pool's machines" };
    private readonly Option<string?> _bootUrl = new("--boot-url") { Description = "The boot service's base URL as the machines reach it (default: --boot-listen)" };
    private readonly Option<string[]> _images = new("--image") { Description = "Image folder from 'testfarm image build', one per architecture (repeat the option)" };
    private readonly Option<string> _sshUser = new("--ssh-user") { Description = "User the deployers log in as on the machines (a pool file with nodeAccess.ssh says it there instead)", DefaultValueFactory = _ => "root" };
    private readonly Option<string?> _sshKey = new("--ssh-key") { Description = "SSH private key for the deployers (default: ssh's own; a pool file with nodeAccess.ssh says it there instead)" };
    private readonly Option<string?> _kubespray = new("--kubespray") { Description = "Kubespray checkout, for plans with deployer: kubespray" };
    private readonly Option<string> _sonobuoy = new("--sonobuoy") { Description = "The sonobuoy binary conformance steps run on the pool's clusters", DefaultValueFactory = _ => "sonobuoy" };
    private readonly Option<string[]> _lbRanges = new("--lb-range") { Description = "MetalLB address range on the machines' network (repeat the option)" };
    private readonly Option<bool> _metricsToken = new("--metrics-require-token") { Description = "/metrics answers only requests with a token (any role; 401 without)" };

    public Command Build()
    {
        var command = new Command("serve", "Run the farm server: REST API, Quartz jobs (reaper, cleaner, nightly crons), GitHub webhooks, metrics.");
        foreach (var option in new Option[] { _db, _listen, _tokens, _lab, _spares, _qemu, _qemuArm64, _root, _instance, _github, _data, _publicUrl, _bootListen, _bootUrl, _images, _sshUser, _sshKey, _kubespray, _sonobuoy, _lbRanges, _metricsToken }) command.Options.Add(option);
        command.SetAction((parse, _) => RunAsync(parse));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse)
    {
        var error = parse.InvocationConfiguration.Error;
        var root = System.IO.Path.GetFullPath(parse.GetValue(_root) ?? Directory.GetCurrentDirectory());
        var problems = new List<string>();
        var storage = ServeArguments.ParseDb(parse.GetValue(_db)!, root, problems);
        var listen = ServeArguments.ParseListen(parse.GetValue(_listen)!, problems);
        if (parse.GetValue(_spares) is < 0 or > 16) problems.Add($"--spares must be 0 to 16, was {parse.GetValue(_spares)}");
        var hardware = ServeArguments.ParseHardware(parse.GetValue(_bootListen), parse.GetValue(_bootUrl), parse.GetValue(_images) ?? [],
            parse.GetValue(_lab), root, problems);
        if (FullPath(parse.GetValue(_sshKey), root) is { } key && !File.Exists(key)) problems.Add($"--ssh-key: no such file {key}");
        ServeArguments.CheckQemu(parse.GetValue(_qemu), parse.GetValue(_qemuArm64), parse.GetValue(_lab), root, problems);
        if (problems.Count > 0) return await FailAsync(error, problems, ExitCodes.Usage);

        var config = ConfigFileReader.Load(root, null, stepValidators);
        if (!config.IsValid) return await FailAsync(error, config.Errors.Select(e => e.ToString()), ExitCodes.InvalidInput);
        var tokensPath = System.IO.Path.GetFullPath(parse.GetValue(_tokens)!, root);
        var tokens = TokenFile.Read(tokensPath);
        if (tokens.Errors.Count > 0) return await FailAsync(error, tokens.Errors, ExitCodes.InvalidInput);
        var lab = parse.GetValue(_lab);
        if (!lab && config.Pool is null) return await FailAsync(error, [$"{root}/pool.yaml: no pool file; give one or serve the built-in lab with --lab"], ExitCodes.InvalidInput);
        var pool = config.Pool?.Value;
        if (!lab && hardware is not null)
        {
            var access = new List<string>();
            pool = NodeAccessCheck.Resolve(config.Pool!, root, access);
            if (access.Count > 0) return await FailAsync(error, access, ExitCodes.InvalidInput);
        }
        // One way to say how the farm logs in to the machines: the pool file's nodeAccess.ssh, when it has one, serves the
        // deployers too; --ssh-user/--ssh-key are for pools without it.
        var sshUser = parse.GetValue(_sshUser)!;
        var sshKey = FullPath(parse.GetValue(_sshKey), root);
        if (!lab && hardware is not null && pool?.Ssh is { } ssh)
        {
            var given = new Option[] { _sshUser, _sshKey }.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
            if (given.Count > 0)
                return await FailAsync(error, [$"{string.Join(" and ", given)}: the pool file says how to log in to the machines ({config.Pool!.At("nodeAccess.ssh")}: nodeAccess.ssh); say it there only"], ExitCodes.Usage);
            (sshUser, sshKey) = (ssh.User, ssh.KeyFile);
        }

        var data = System.IO.Path.GetFullPath(parse.GetValue(_data) ?? "serve-data", root);
        Uri? publicUrl = null;
        if (parse.GetValue(_publicUrl) is { } url && !Uri.TryCreate(url, UriKind.Absolute, out publicUrl))
            return await FailAsync(error, [$"--public-url: expected an absolute http(s) URL (e.g. https://farm.example.org/), was '{Server.Api.Problems.Echo(url)}'"], ExitCodes.Usage);
        var options = new FarmServerOptions
        {
            DataDirectory = data, PublicUrl = publicUrl,
            Listen = listen!, Storage = storage!, Configuration = config, Tokens = tokens.Tokens, Pool = lab ? null : config.Pool?.Value,
            InstanceName = parse.GetValue(_instance) ?? $"{Environment.MachineName}-{Environment.ProcessId}",
            GitHubWebhooks = parse.GetValue(_github),
            MetricsRequireToken = parse.GetValue(_metricsToken),
            Policy = lab ? FarmServerOptions.DedicatedPool : new Core.Scheduling.PolicyOptions(),
        };
        System.IDisposable? tracing;
        try { tracing = Server.Telemetry.FarmTracing.StartFromEnvironment("testfarm-serve"); }
        catch (ArgumentException ex) { return await FailAsync(error, [ex.Message], ExitCodes.Usage); }
        using var traces = tracing;
        using var loggers = LoggerFactory.Create(b => b.AddJsonConsole(o => o.IncludeScopes = true));
        var bmcErrors = new BmcErrorCounter();
        IFarmBackend? farm = null;
        // The adapters' options (Redfish__PollInterval, Provisioning__HeartbeatInterval, ...) may be overridden from the environment; checked at start.
        var overrides = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        try
        {
            if (lab)
            {
                farm = await LabFarm.StartAsync(new LabFarmOptions
                {
                    Root = root, OutDirectory = data, WrapBmcs = bmcErrors.Wrap, SparesPerProfile = parse.GetValue(_spares),
                    QemuMachines = parse.GetValue(_qemu), QemuArm64Machines = parse.GetValue(_qemuArm64), Configuration = overrides,
                }, [.. config.Plans.Select(p => p.Value)], config.Profiles.Select(p => p.Value).ToDictionary(p => p.Name, StringComparer.Ordinal),
                    TimeProvider.System, loggers, CancellationToken.None);
            }
            else if (hardware is not null)
            {
                farm = await PoolFarm.StartAsync(new PoolFarmOptions
                {
                    BootListen = hardware.BootListen, BootPublicUrl = hardware.BootUrl, ImageDirectories = hardware.Images,
                    Pool = pool!, Profiles = [.. config.Profiles.Select(p => p.Value)], DataDirectory = data, WrapBmcs = bmcErrors.Wrap,
                    SshUser = sshUser, SshKeyFile = sshKey,
                    KubesprayDirectory = FullPath(parse.GetValue(_kubespray), root), LoadBalancerRanges = parse.GetValue(_lbRanges) ?? [],
                    SonobuoyBinary = parse.GetValue(_sonobuoy)!, Configuration = overrides, Addons = Kubernetes.Addons.Catalogue.AddonSources.FromEnvironment(root),
                }, TimeProvider.System, loggers, CancellationToken.None);
            }
            await using var app = await FarmServer.BuildAsync(options, farm, bmcErrors,
                b => b.AddJsonConsole(o => o.IncludeScopes = true).AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
            await app.RunAsync(); // the host handles SIGTERM/Ctrl-C: stop taking work, drain runs, stop
            return ExitCodes.Success;
        }
        catch (FarmServerConfigException ex)
        {
            return await FailAsync(error, ex.Errors, ExitCodes.InvalidInput);
        }
        catch (FarmSetupException ex)
        {
            return await FailAsync(error, [ex.Message], ExitCodes.FarmFailure);
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            return await FailAsync(error, ex.Failures, ExitCodes.InvalidInput);
        }
        finally
        {
            if (farm is IAsyncDisposable owned) await owned.DisposeAsync();
        }
    }

    private static string? FullPath(string? path, string root) => path is null ? null : System.IO.Path.GetFullPath(path, root);

    private static async Task<int> FailAsync(TextWriter error, IEnumerable<string> problems, int code)
    {
        foreach (var p in problems) await error.WriteLineAsync($"serve: {p}");
        return code;
    }
}
