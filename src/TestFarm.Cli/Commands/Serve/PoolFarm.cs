using System.Net;
using Microsoft.Extensions.Logging;
using TestFarm.Cli.Commands.Nightly;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;
using TestFarm.Kubernetes.Addons.Catalogue;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Provisioning.Image;
using TestFarm.Provisioning.Reimage;
using TestFarm.Redfish;
using TestFarm.Redfish.Factory;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Probes;
using TestFarm.Server.Runs;

namespace TestFarm.Cli.Commands.Serve;

/// <summary>What a farm over the pool file's machines is built from (<c>serve</c> without <c>--lab</c>).</summary>
public sealed record PoolFarmOptions
{
    public required PoolInventory Pool { get; init; }
    public required IReadOnlyList<HardwareProfile> Profiles { get; init; }
    /// <summary>Where the boot service listens (an address of the provisioning network, or 0.0.0.0).</summary>
    public required IPEndPoint BootListen { get; init; }
    /// <summary>The boot service's base URL as the machines reach it; the listen address when null.</summary>
    public Uri? BootPublicUrl { get; init; }
    /// <summary>Image folders written by <c>testfarm image build</c> (one per architecture), all of one build.</summary>
    public required IReadOnlyList<string> ImageDirectories { get; init; }
    /// <summary>Where the cells' artifacts go.</summary>
    public required string DataDirectory { get; init; }
    public string SshUser { get; init; } = "root";
    public string? SshKeyFile { get; init; }
    /// <summary>A kubespray checkout, for plans with <c>deployer: kubespray</c>.</summary>
    public string? KubesprayDirectory { get; init; }
    /// <summary>The <c>sonobuoy</c> binary conformance steps run (a name on PATH or a path).</summary>
    public string SonobuoyBinary { get; init; } = "sonobuoy";
    /// <summary>Where the add-ons' manifests are read from (the add-on cache or a configured folder).</summary>
    public AddonSources Addons { get; init; } = new();
    /// <summary>MetalLB's address pool on the machines' network.</summary>
    public IReadOnlyList<string> LoadBalancerRanges { get; init; } = [];
    public ProvisioningPolicy Provisioning { get; init; } = new();
    /// <summary>Reads the BMC credentials' environment variables (tests swap it).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
    /// <summary>Wraps the Redfish client factory every phase uses (e.g. to count BMC errors).</summary>
    public Func<IBmcClientFactory, IBmcClientFactory>? WrapBmcs { get; init; }
}

/// <summary>
/// The pool file's machines as a farm backend: their BMCs through the Redfish client, the boot service on the
/// provisioning network serving the given image, the reimager and cleaner, the plan's deployer (k3s, kubespray or
/// Talos over SSH from this host), the add-ons and the suite engine probing the cluster from here, conformance
/// through the <c>sonobuoy</c> binary. The same
/// pipeline as the lab's; nothing here is simulated.
/// </summary>
public sealed class PoolFarm : IFarmBackend, IAsyncDisposable
{
#pragma warning disable RS0030 // The probes' own client (to come from IHttpClientFactory with the DI composition).
    private readonly HttpClient _probeHttp = new() { Timeout = TimeSpan.FromSeconds(10) };
#pragma warning restore RS0030
    private BootServiceHost? _boot;

    private PoolFarm(PoolFarmOptions options)
    {
        Pool = options.Pool;
        Profiles = options.Profiles.ToDictionary(p => p.Name, StringComparer.Ordinal);
        ArtifactsRoot = Path.Combine(options.DataDirectory, "cells");
    }

    public PoolInventory Pool { get; }
    public IReadOnlyDictionary<string, HardwareProfile> Profiles { get; }
    public string BuildId { get; private set; } = "";
    public string ArtifactsRoot { get; }
    public IMachineProvisioner Provisioner { get; private set; } = null!;
    public IClusterBringUp Clusters { get; private set; } = null!;
    public ISuiteRunner Suites { get; private set; } = null!;
    public IBmcClientFactory Bmcs { get; private set; } = null!;
    /// <summary>The boot service's local address (for diagnostics and tests).</summary>
    public Uri BootLocalUrl => _boot!.LocalUrl;

    /// <summary>Reads the images, starts the boot service and wires the phases; throws <see cref="FarmSetupException"/> naming what is wrong.</summary>
    public static async Task<PoolFarm> StartAsync(PoolFarmOptions options, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var images = ReadImages(options.ImageDirectories);
        var farm = new PoolFarm(options) { BuildId = images[0].Image.BuildId };
        try
        {
            try
            {
                farm._boot = await BootServiceHost.StartAsync(options.BootListen.Address, options.BootListen.Port,
                    port => options.BootPublicUrl ?? new Uri($"http://{new IPEndPoint(options.BootListen.Address, port)}"), time,
                    cancellationToken: cancellationToken);
            }
            catch (IOException e)
            {
                throw new FarmSetupException($"--boot-listen {options.BootListen}: the boot service cannot listen there: {e.Message}");
            }
            foreach (var (image, directory) in images) farm._boot.Artifacts.AddImage(image, directory);
            farm.Wire(options, [.. images.Select(i => i.Image)], time, loggers);
            return farm;
        }
        catch
        {
            await farm.DisposeAsync();
            throw;
        }
    }

    private void Wire(PoolFarmOptions options, IReadOnlyList<BootImage> images, TimeProvider time, ILoggerFactory loggers)
    {
        var redfish = new RedfishClientFactory(new RedfishOptions(), time, loggers) { Environment = options.Environment };
        Bmcs = options.WrapBmcs?.Invoke(redfish) ?? redfish;
        var reimager = new Reimager(_boot!.Sessions, _boot.Options, options.Provisioning, time);
        var catalogue = images.Aggregate(new ImageCatalogue(), (c, i) => c.With(i));
        Provisioner = new FarmProvisioner(reimager, new Cleaner(_boot.Sessions, reimager, options.Provisioning, time), Bmcs, catalogue);

        var runner = new ProcessRunner(time);
        var deployers = new List<IClusterDeployer>
        {
            new K3sDeployer(runner, logger: loggers.CreateLogger<K3sDeployer>()),
            new TalosDeployer(runner, logger: loggers.CreateLogger<TalosDeployer>()),
        };
        if (options.KubesprayDirectory is { } kubespray)
            deployers.Add(new KubesprayDeployer(new KubesprayOptions { KubesprayDirectory = kubespray }, runner, loggers.CreateLogger<KubesprayDeployer>()));
        var bringUp = new BringUpOptions { SshUser = options.SshUser, SshKeyFile = options.SshKeyFile, Addons = options.Addons };
        Clusters = new KubernetesBringUp(deployers, options.LoadBalancerRanges.Count > 0 ? bringUp with { AddressRanges = options.LoadBalancerRanges } : bringUp, time);
        Suites = new ScenarioSuiteRunner(SuiteRunner.CreateDefault(loggers), new ScenarioExtras
        {
            Transport = new NetworkProbeTransport(_probeHttp), Sonobuoy = new SonobuoyCliRunner(runner, options.SonobuoyBinary),
        }, time);
    }

    /// <summary>The image folders' manifests: at least one, all of one build, at most one per architecture.</summary>
    private static List<(BootImage Image, string Directory)> ReadImages(IReadOnlyList<string> directories)
    {
        if (directories.Count == 0) throw new FarmSetupException("--image: no image folder given (build one with 'testfarm image build')");
        var images = new List<(BootImage, string)>();
        foreach (var directory in directories)
        {
            try { images.Add((LabImageBuilder.Load(directory), Path.GetFullPath(directory))); }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                throw new FarmSetupException($"--image {directory}: {e.Message}");
            }
        }
        var builds = images.Select(i => i.Item1.BuildId).Distinct(StringComparer.Ordinal).ToList();
        if (builds.Count > 1)
            throw new FarmSetupException($"--image: the folders hold different builds ({string.Join(", ", images.Select(i => $"{i.Item2}: {i.Item1.BuildId}"))}); a run installs one build");
        if (images.GroupBy(i => i.Item1.Arch).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new FarmSetupException($"--image: two images for {twice.Key} ({string.Join(", ", twice.Select(i => i.Item2))})");
        return images;
    }

    public async ValueTask DisposeAsync()
    {
        if (_boot is not null) await _boot.DisposeAsync();
        _boot = null;
        _probeHttp.Dispose();
    }
}
