using System.Net;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;
using TestFarm.Kubernetes.Addons.Catalogue;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Provisioning.Image;
using TestFarm.Provisioning.Reimage;
using TestFarm.Redfish;
using TestFarm.Redfish.Factory;
using TestFarm.Scenarios.Conformance;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Probes;
using TestFarm.Lab.Cluster;
using TestFarm.Server.Runs;

namespace TestFarm.Cli.Commands.Nightly;

/// <summary>What the lab's farm is built from.</summary>
public sealed record LabFarmOptions
{
    /// <summary>The checkout holding .tools/ (the lab kernel) and the add-on cache.</summary>
    public required string Root { get; init; }
    /// <summary>Where the image, the boot service's files and the cells' artifacts go.</summary>
    public required string OutDirectory { get; init; }
    public string BuildId { get; init; } = "lab-nightly";
    /// <summary>Lab machines that are real QEMU processes network-booting the image, with <see cref="QemuProfile"/>.</summary>
    public int QemuMachines { get; init; }
    public HardwareProfile? QemuProfile { get; init; }
    /// <summary>arm64 lab machines that are real QEMU processes (UEFI PXE, GRUB), with <see cref="QemuArm64Profile"/>.</summary>
    public int QemuArm64Machines { get; init; }
    public HardwareProfile? QemuArm64Profile { get; init; }
    /// <summary>Wraps the Redfish client factory every phase uses (e.g. to count BMC errors).</summary>
    public Func<IBmcClientFactory, IBmcClientFactory>? WrapBmcs { get; init; }
}

/// <summary>
/// The built-in lab as a farm backend: the network-boot image, the boot service, virtual BMCs over simulated
/// machines, the Redfish client, the reimager and cleaner, the simulated clusters with the real add-on
/// manifests and the suite engine. Used by <c>lab nightly</c> and by <c>serve --lab</c>.
/// </summary>
public sealed class LabFarm : IFarmBackend, IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
#pragma warning disable RS0030 // The probes' own client (to come from IHttpClientFactory with the DI composition).
    private readonly HttpClient _probeHttp = new() { Timeout = TimeSpan.FromSeconds(10) };
#pragma warning restore RS0030

    private LabFarm() { }

    public PoolInventory Pool { get; private set; } = new();
    public IReadOnlyDictionary<string, HardwareProfile> Profiles { get; private set; } = new Dictionary<string, HardwareProfile>();
    public string BuildId { get; private set; } = "";
    public string ArtifactsRoot { get; private set; } = "";
    public IMachineProvisioner Provisioner { get; private set; } = null!;
    public IClusterBringUp Clusters { get; private set; } = null!;
    public ISuiteRunner Suites { get; private set; } = null!;
    public IBmcClientFactory Bmcs { get; private set; } = null!;

    /// <summary>Starts the lab with one simulated machine per entry of <paramref name="machines"/>.</summary>
    public static async Task<LabFarm> StartAsync(LabFarmOptions options, IReadOnlyList<HardwareProfile> machines, TimeProvider time,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var farm = new LabFarm();
        try
        {
            await farm.InitAsync(options, machines, time, loggers, cancellationToken);
            return farm;
        }
        catch
        {
            await farm.DisposeAsync();
            throw;
        }
    }

    private async Task InitAsync(LabFarmOptions options, IReadOnlyList<HardwareProfile> machines, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var outDir = options.OutDirectory;
        var image = await BuildImageAsync(options, cancellationToken);
        var arm64 = machines.Any(m => m.Arch == CpuArchitecture.Arm64) || options.QemuArm64Machines > 0 ? await BuildArm64ImageAsync(options, cancellationToken) : null;
        if (options.QemuArm64Machines > 0 && Arm64QemuMissing(options.Root) is { } missing)
            throw new FarmSetupException($"arm64 QEMU machines cannot boot: {missing}");
        // QEMU guests reach the host's loopback as 10.0.2.2 (user networking); the simulated machines share that view.
        var farmHost = options.QemuMachines + options.QemuArm64Machines > 0 ? "10.0.2.2" : "127.0.0.1";
        var boot = await BootServiceHost.StartAsync(IPAddress.Loopback, 0, port => new Uri($"http://{farmHost}:{port}"), time, cancellationToken: cancellationToken);
        _owned.Add(boot);
        boot.Artifacts.AddImage(image, Path.Combine(outDir, "image"));
        if (arm64 is not null) boot.Artifacts.AddImage(arm64, Path.Combine(outDir, "image-arm64"));

        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        var lab = await VirtualLab.StartAsync(new LabOptions
        {
            SimulatedMachines = machines.Count,
            QemuMachines = options.QemuMachines,
            QemuProfile = options.QemuProfile ?? DefaultProfiles.QemuAmd64,
            QemuArm64Machines = options.QemuArm64Machines,
            QemuArm64Profile = options.QemuArm64Profile ?? DefaultProfiles.QemuArm64,
            GrubBootUrl = new Uri(boot.LocalUrl, "/boot/v1/grub"),
            GrubDirectory = Path.Combine(options.Root, QemuOptions.DefaultGrubDirectory),
            WorkDirectory = Path.Combine(outDir, "lab"), // QEMU consoles kept with the run
            Password = password,
            BootUrl = new Uri(boot.Options.PublicBaseUrl, "boot/v1/ipxe"),
            DefaultTimings = new SimulatedTimings { Post = TimeSpan.FromSeconds(2), Boot = TimeSpan.FromSeconds(3), Shutdown = TimeSpan.FromSeconds(1) },
        }, machines, time, loggers, cancellationToken);
        _owned.Add(lab);
        Pool = lab.ToPool();
        Profiles = machines
            .Concat(options.QemuMachines > 0 ? [options.QemuProfile ?? DefaultProfiles.QemuAmd64] : [])
            .Concat(options.QemuArm64Machines > 0 ? [options.QemuArm64Profile ?? DefaultProfiles.QemuArm64] : [])
            .DistinctBy(p => p.Name).ToDictionary(p => p.Name, StringComparer.Ordinal);
        BuildId = image.BuildId;

        var redfish = new RedfishClientFactory(new RedfishOptions { PollInterval = TimeSpan.FromMilliseconds(250) }, time, loggers)
        {
            Environment = name => name == "TESTFARM_LAB_BMC_PASSWORD" ? password : Environment.GetEnvironmentVariable(name),
        };
        var bmcs = options.WrapBmcs?.Invoke(redfish) ?? redfish;
        Bmcs = bmcs;
        // Simulated machines POST and boot in seconds: deadlines to match, so a dead phase shows quickly.
        var policy = ProvisioningPolicy.Uniform(new PhasePolicy { Deadline = TimeSpan.FromSeconds(30), Retries = 1, Backoff = TimeSpan.FromSeconds(1) },
            TimeSpan.FromSeconds(5));
        var reimager = new Reimager(boot.Sessions, boot.Options, policy, time);
        Provisioner = new FarmProvisioner(reimager, new Cleaner(boot.Sessions, reimager, policy, time), bmcs,
            arm64 is null ? new ImageCatalogue().With(image) : new ImageCatalogue().With(image).With(arm64));

        var clusters = new LabClusters(lab, time, loggers);
        _owned.Add(clusters);
        ArtifactsRoot = Path.Combine(outDir, "cells");
        Clusters = new KubernetesBringUp([new LabClusterDeployer(clusters.StartAsync)],
            new BringUpOptions
            {
                Addons = AddonSources.FromEnvironment(options.Root),
                // MetalLB hands out loopback VIPs that the simulated clusters really serve: probes connect to them.
                AddressRanges = [SimulatedCluster.LoopbackLoadBalancerRange],
            }, time);
        Suites = new ScenarioSuiteRunner(SuiteRunner.CreateDefault(loggers), new ScenarioExtras
        {
            Sonobuoy = new LabSonobuoyRunner(time),
            LabFaults = new LabFaultsAdapter(lab),
            Transport = new NetworkProbeTransport(_probeHttp),
        }, time);
    }

    private static async Task<BootImage> BuildImageAsync(LabFarmOptions options, CancellationToken cancellationToken)
    {
        var kernel = Path.Combine(options.Root, ".tools", "kernel");
        if (!File.Exists(Path.Combine(kernel, "vmlinuz")))
            throw new FarmSetupException($"no lab kernel at {kernel}: run scripts/install-deps.sh first");
        return await LabImageBuilder.BuildAsync(new LabImageOptions
        {
            KernelDir = kernel, OutDir = Path.Combine(options.OutDirectory, "image"), BuildId = options.BuildId,
        }, cancellationToken);
    }

    /// <summary>
    /// The arm64 twin of the image for the plan's arm64 machines, when scripts/install-deps.sh fetched the arm64
    /// kernel and busybox; without them the arm64 cells say "no image ... for Arm64" as an infra-error.
    /// </summary>
    private static async Task<BootImage?> BuildArm64ImageAsync(LabFarmOptions options, CancellationToken cancellationToken)
    {
        var defaults = LabImageOptions.Defaults(CpuArchitecture.Arm64, Path.Combine(options.OutDirectory, "image-arm64"), Path.Combine(options.Root, ".tools"));
        if (!File.Exists(Path.Combine(defaults.KernelDir, "vmlinuz")) || !File.Exists(defaults.Busybox)) return null;
        return await LabImageBuilder.BuildAsync(defaults with { BuildId = options.BuildId }, cancellationToken);
    }

    /// <summary>
    /// Why arm64 QEMU machines could not network-boot here (null when they can): the aarch64 emulator, the UEFI
    /// firmware, GRUB's network loader and the arm64 kernel and busybox, all installed by scripts/install-deps.sh.
    /// </summary>
    public static string? Arm64QemuMissing(string root)
    {
        var image = LabImageOptions.Defaults(CpuArchitecture.Arm64, Path.GetTempPath(), Path.Combine(root, ".tools"));
        var grub = Path.Combine(root, QemuOptions.DefaultGrubDirectory, QemuOptions.GrubLoader);
        return !QemuOptions.IsAvailable(QemuOptions.DefaultBinary(CpuArchitecture.Arm64)) ? "qemu-system-aarch64 is not on PATH (apt-get install qemu-system-arm)"
            : !File.Exists(QemuOptions.DefaultUefiCode) ? $"no UEFI firmware at {QemuOptions.DefaultUefiCode} (apt-get install qemu-efi-aarch64)"
            : !File.Exists(grub) ? $"no GRUB network loader at {grub} (run scripts/install-deps.sh)"
            : !File.Exists(Path.Combine(image.KernelDir, "vmlinuz")) || !File.Exists(image.Busybox) ? $"no arm64 kernel or busybox under {image.KernelDir} (run scripts/install-deps.sh)"
            : null;
    }

    public async ValueTask DisposeAsync()
    {
        // Stopped in reverse order of start: clusters, lab, boot service.
        for (var i = _owned.Count - 1; i >= 0; i--) await _owned[i].DisposeAsync();
        _owned.Clear();
        _probeHttp.Dispose();
    }
}
