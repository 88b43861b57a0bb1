using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TestFarm.Cli.Commands.Nightly;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;
using TestFarm.Kubernetes.Addons.Catalogue;
using TestFarm.Orchestration.Backends;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Image;
using TestFarm.Redfish.Factory;
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
    /// <summary>Overrides of the adapters' options (sections Redfish, Provisioning, BringUp, ...), e.g. from the environment.</summary>
    public IConfiguration? Configuration { get; init; }
}

/// <summary>
/// The pool file's machines as a farm backend (<see cref="PoolMachinesExtensions.AddPoolMachines"/>): what is left here is
/// reading the image folders and naming the option at fault when the images or the boot service's address are wrong.
/// </summary>
public static class PoolFarm
{
    /// <summary>Reads the images, starts the boot service and the backend; throws <see cref="FarmSetupException"/> naming what is wrong.</summary>
    public static async Task<FarmBackendHost> StartAsync(PoolFarmOptions options, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var services = new ServiceCollection();
        if (options.WrapBmcs is { } wrap) services.AddSingleton<IBmcClientFactory>(sp => wrap(sp.GetRequiredService<RedfishClientFactory>()));
        services.AddPoolMachines(new PoolMachinesOptions
        {
            Pool = options.Pool, Profiles = options.Profiles, Images = ReadImages(options.ImageDirectories), BootListen = options.BootListen,
            BootPublicUrl = options.BootPublicUrl, DataDirectory = options.DataDirectory, SshUser = options.SshUser, SshKeyFile = options.SshKeyFile,
            KubesprayDirectory = options.KubesprayDirectory, SonobuoyBinary = options.SonobuoyBinary, LoadBalancerRanges = options.LoadBalancerRanges,
            Provisioning = options.Provisioning, Environment = options.Environment, Addons = options.Addons,
        });
        try
        {
            return await FarmBackendHost.StartAsync(services, time, loggers, options.Configuration, cancellationToken);
        }
        catch (BootListenException e)
        {
            throw new FarmSetupException($"--boot-listen {options.BootListen}: the boot service cannot listen there: {e.InnerException?.Message}");
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            throw new FarmSetupException($"--image: {e.Message}");
        }
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
}
