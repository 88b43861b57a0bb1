using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Lab.Bmc;
using TestFarm.Lab.Agent;
using TestFarm.Lab.Machines;

namespace TestFarm.Lab.LabHost;

/// <summary>
/// The running lab: N virtual BMCs over simulated or QEMU machines, each answering Redfish at
/// <c>http://&lt;its own address&gt;:PORT/redfish/v1</c> (one address per machine from <see cref="LabOptions.BmcNetwork"/>,
/// as on a rack's BMC network), plus the admin endpoints under <c>/lab</c> on 127.0.0.1:PORT. One Kestrel
/// listens on all of them and routes by the address a connection came in on. Dispose stops it and kills
/// every QEMU it started.
/// </summary>
public sealed class VirtualLab : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, VirtualBmc> _machines;
    private readonly IReadOnlyList<VirtualBmc> _ordered;
    private readonly ILogger _log;
    private readonly string? _ownedWorkDirectory;
    private int _disposed;

    private VirtualLab(WebApplication app, Dictionary<string, VirtualBmc> machines, Uri baseAddress, LabOptions options, ILogger log, string? ownedWorkDirectory)
    {
        _app = app;
        _machines = machines;
        _ordered = [.. machines.Values.OrderBy(m => m.Index)];
        BaseAddress = baseAddress;
        Options = options;
        _log = log;
        _ownedWorkDirectory = ownedWorkDirectory;
    }

    private SimulatedAgents? _agents;

    /// <summary><c>http://127.0.0.1:PORT/</c>: the lab's admin API (<c>/lab/machines</c>), not a BMC.</summary>
    public Uri BaseAddress { get; }
    public LabOptions Options { get; }
    public IReadOnlyList<VirtualBmc> Machines => _ordered;
    public VirtualBmc this[string id] => _machines.TryGetValue(id, out var m) ? m : throw new KeyNotFoundException($"no lab machine '{id}'");
    public VirtualBmc? Find(string id) => _machines.GetValueOrDefault(id);

    /// <summary>The BMC URL of a machine, <c>http://&lt;its address&gt;:PORT/</c> (its Redfish root is this plus <c>redfish/v1</c>).</summary>
    public Uri BmcUrl(string id) => this[id].Url;

    /// <summary>
    /// Starts the lab. Simulated machines take the <paramref name="profiles"/> round robin (a built-in
    /// profile when the list is empty); QEMU machines use <see cref="LabOptions.QemuProfile"/>.
    /// </summary>
    public static async Task<VirtualLab> StartAsync(LabOptions options, IReadOnlyList<HardwareProfile> profiles, TimeProvider time,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException("invalid lab options: " + string.Join("; ", errors), nameof(options));
        loggerFactory ??= NullLoggerFactory.Instance;
        var log = loggerFactory.CreateLogger("TestFarm.Lab");
        var owned = options.WorkDirectory is null && options.QemuMachines + options.QemuArm64Machines > 0
            ? Path.Combine(Path.GetTempPath(), $"testfarm-lab-{Guid.NewGuid():N}") : null;
        var work = options.WorkDirectory ?? owned;
        var network = BmcNetwork.TryParse(options.BmcNetwork, options.SimulatedMachines + options.QemuMachines + options.QemuArm64Machines, out _)!;
        var machines = CreateMachines(options, profiles.Count > 0 ? profiles : [DefaultProfiles.GenericAmd64], time, work, network);
        var credentials = new LabCredentials(options.User, options.Password);
        var byAddress = machines.Values.ToDictionary(m => m.Address);
        var gate = new BmcRequestGate(address => byAddress.GetValueOrDefault(address), credentials, time);
        var (app, port) = await LabListeners.StartAsync(options.Port, machines.Values, listenPort =>
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(IPAddress.Loopback, listenPort);
                foreach (var m in machines.Values) k.Listen(m.Address, listenPort);
            });
            builder.Services.AddSingleton(credentials);
            builder.Services.AddSingleton(time);
            builder.Services.ConfigureHttpJsonOptions(j => j.SerializerOptions.TypeInfoResolverChain.Insert(0, LabJsonContext.Default));
            var built = builder.Build();
            built.Use(ErrorGuard.InvokeAsync);
            built.Use(gate.InvokeAsync);
            built.MapRedfish(time);
            built.MapLabAdmin(id => machines.GetValueOrDefault(id), () => machines.Values);
            return built;
        }, cancellationToken).ConfigureAwait(false);

        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var lab = new VirtualLab(app, machines, baseAddress, options, log, owned);
        if (options.BootUrl is not null) lab._agents = new SimulatedAgents(machines.Values, options.BootUrl, time);
        Log.LabStarted(log, baseAddress, options.SimulatedMachines, options.QemuMachines + options.QemuArm64Machines, network.Range);
        return lab;
    }

    private static Dictionary<string, VirtualBmc> CreateMachines(LabOptions options, IReadOnlyList<HardwareProfile> profiles, TimeProvider time, string? work, BmcNetwork network)
    {
        var machines = new Dictionary<string, VirtualBmc>(StringComparer.Ordinal);
        var index = 0;
        for (var i = 0; i < options.SimulatedMachines; i++)
        {
            var id = $"sim-{i + 1:D4}";
            var profile = profiles[i % profiles.Count];
            var timings = options.Timings.GetValueOrDefault(profile.Name, options.DefaultTimings);
            if (options.PostFromProfiles) timings = timings.WithPostOf(profile);
            machines[id] = new VirtualBmc(id, ++index, network[index], profile, new SimulatedMachine(time, timings), options.Faults.GetValueOrDefault(id));
        }
        for (var i = 0; i < options.QemuMachines; i++)
        {
            var id = $"qemu-{i + 1:D2}";
            var n = ++index;
            var qemu = new QemuMachine(QemuFor(options.QemuProfile, work!, id, n) with
            {
                Binary = options.QemuBinary, UseKvmIfAvailable = options.UseKvm, BootUrl = options.BootUrl,
            });
            machines[id] = new VirtualBmc(id, n, network[n], options.QemuProfile, qemu, options.Faults.GetValueOrDefault(id));
        }
        for (var i = 0; i < options.QemuArm64Machines; i++)
        {
            var id = $"qemu-a64-{i + 1:D2}";
            var n = ++index;
            var qemu = new QemuMachine(QemuFor(options.QemuArm64Profile, work!, id, n) with
            {
                Arch = Core.Hardware.CpuArchitecture.Arm64, BootUrl = options.GrubBootUrl, GrubDirectory = options.GrubDirectory,
            });
            machines[id] = new VirtualBmc(id, n, network[n], options.QemuArm64Profile, qemu, options.Faults.GetValueOrDefault(id));
        }
        return machines;
    }

    /// <summary>A QEMU machine shaped by its profile: its memory, and its drives as virtio disks, so boot verification and the wipe see what was declared.</summary>
    private static QemuOptions QemuFor(HardwareProfile profile, string work, string id, int n) => new()
    {
        WorkDirectory = Path.Combine(work, id),
        Mac = LabInventory.Mac(n, 0),
        MemoryMiB = Math.Clamp(profile.MemoryGiB * 1024, 256, 2048),
        DiskBytes = [.. profile.Storage.SelectMany(d => Enumerable.Repeat(d.SizeGB * 1_000_000_000L, d.Count))],
    };

    /// <summary>The lab as a pool in the shared format: each BMC's own URL, credentials by reference.</summary>
    public PoolInventory ToPool(string passwordEnv = "TESTFARM_LAB_BMC_PASSWORD") => new()
    {
        Machines = [.. Machines.Select(m => new PoolMachine
        {
            Id = m.Id,
            Profile = m.Profile.Name,
            Bmc = new BmcEndpoint
            {
                Url = BmcUrl(m.Id),
                Auth = BmcAuthMode.Session,
                Credentials = new CredentialReference { User = Options.User, PasswordEnv = passwordEnv },
            },
            ProvisioningMac = m.ProvisioningMac,
            Location = new MachineLocation { Site = Options.Site, Rack = $"rack-{(m.Index - 1) / 40 + 1}", L2Domain = "lab" },
            Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["backend"] = m.Backend is QemuMachine ? "qemu" : "simulated" },
        })],
    };

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (_agents is not null) await _agents.DisposeAsync().ConfigureAwait(false);
        foreach (var machine in _machines.Values)
        {
            try { await machine.DisposeAsync().ConfigureAwait(false); }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or QmpException) { Log.MachineStopFailed(_log, machine.Id, ex); }
        }
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        if (_ownedWorkDirectory is not null)
        {
            try { Directory.Delete(_ownedWorkDirectory, recursive: true); }
            catch (IOException) { }
        }
        Log.LabStopped(_log, BaseAddress);
    }
}
