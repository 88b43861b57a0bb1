using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Orchestration.Adapters;
using TestFarm.Provisioning.Boot;
using TestFarm.Redfish;
using TestFarm.Scenarios.Conformance;

namespace TestFarm.Orchestration.Backends;

/// <summary>What a farm over the pool file's machines is made of (<c>serve</c> without <c>--lab</c>).</summary>
public sealed record PoolMachinesOptions
{
    public required PoolInventory Pool { get; init; }
    public required IReadOnlyList<HardwareProfile> Profiles { get; init; }
    /// <summary>Where the add-ons' release manifests are read from: the verified cache, or an explicitly configured folder.</summary>
    public Kubernetes.Addons.Catalogue.AddonSources Addons { get; init; } = new();
    /// <summary>The images the boot service serves, each with the folder holding its files; all of one build.</summary>
    public required IReadOnlyList<(BootImage Image, string Directory)> Images { get; init; }
    /// <summary>Where the boot service listens (an address of the provisioning network, or 0.0.0.0).</summary>
    public required IPEndPoint BootListen { get; init; }
    /// <summary>The boot service's base URL as the machines reach it; the listen address when null.</summary>
    public Uri? BootPublicUrl { get; init; }
    /// <summary>Where the cells' artifacts go.</summary>
    public required string DataDirectory { get; init; }
    public string SshUser { get; init; } = "root";
    public string? SshKeyFile { get; init; }
    /// <summary>A kubespray checkout, for plans with <c>deployer: kubespray</c>.</summary>
    public string? KubesprayDirectory { get; init; }
    /// <summary>The <c>sonobuoy</c> binary conformance steps run (a name on PATH or a path).</summary>
    public string SonobuoyBinary { get; init; } = "sonobuoy";
    /// <summary>MetalLB's address pool on the machines' network; the bring-up default when empty.</summary>
    public IReadOnlyList<string> LoadBalancerRanges { get; init; } = [];
    public ProvisioningPolicy Provisioning { get; init; } = new();
    /// <summary>Reads the BMC credentials' environment variables (tests swap it).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
}

public static class PoolMachinesExtensions
{
    /// <summary>
    /// The pool file's machines as the farm's backend: their BMCs through the Redfish client (credentials from
    /// <see cref="PoolMachinesOptions.Environment"/>), the farm's boot service on the provisioning network serving the given
    /// images, the k3s and Talos deployers (and kubespray with a checkout) over SSH from this host, conformance through the
    /// <c>sonobuoy</c> binary, the SSH node agent (a known-hosts file per lease under the data folder) when the pool has
    /// <c>nodeAccess.ssh</c>; the rest is <see cref="FarmPipelineExtensions.AddFarmPipeline"/>. Start it with
    /// <see cref="IFarmStart"/> (binds the boot service).
    /// </summary>
    public static IServiceCollection AddPoolMachines(this IServiceCollection services, PoolMachinesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Images.Count == 0) throw new ArgumentException("a pool backend needs at least one image", nameof(options));
        services.AddSingleton(new BootListenOptions
        {
            Listen = options.BootListen,
            PublicBase = port => options.BootPublicUrl ?? new Uri($"http://{new IPEndPoint(options.BootListen.Address, port)}"),
        });
        services.AddSingleton(new BmcCredentialEnvironment(options.Environment));
        services.AddSingleton(options.Images.Aggregate(new ImageCatalogue(), (c, i) => c.With(i.Image)));
        services.AddSingleton(new FarmMachines
        {
            Pool = options.Pool,
            Profiles = options.Profiles.ToDictionary(p => p.Name, StringComparer.Ordinal),
            BuildId = options.Images[0].Image.BuildId,
            ArtifactsRoot = Path.Combine(options.DataDirectory, "cells"),
        });
        services.AddSingleton<IClusterDeployer>(sp => new K3sDeployer(sp.GetRequiredService<IProcessRunner>(), logger: sp.GetService<ILogger<K3sDeployer>>()));
        services.AddSingleton<IClusterDeployer>(sp => new TalosDeployer(sp.GetRequiredService<IProcessRunner>(), logger: sp.GetService<ILogger<TalosDeployer>>()));
        if (options.KubesprayDirectory is { } kubespray)
        {
            services.AddSingleton<IClusterDeployer>(sp => new KubesprayDeployer(new KubesprayOptions { KubesprayDirectory = kubespray },
                sp.GetRequiredService<IProcessRunner>(), sp.GetService<ILogger<KubesprayDeployer>>()));
        }
        if (options.Pool.Ssh is { } ssh)
        {
            // kill-kubelet and kill-containers over SSH; validate refuses them for a pool without nodeAccess.ssh.
            services.AddSingleton<ILeaseNodeAgents>(sp => new SshLeaseNodeAgents(sp.GetRequiredService<IProcessRunner>(), ssh, options.Pool,
                Path.Combine(options.DataDirectory, "ssh-known-hosts"), sp.GetRequiredService<TimeProvider>()));
        }
        services.AddSingleton<ISonobuoyRunner>(sp => new SonobuoyCliRunner(sp.GetRequiredService<IProcessRunner>(), options.SonobuoyBinary));
        services.AddSingleton<IFarmStart>(sp => new BootServiceStart(sp.GetRequiredService<BootServiceListener>(), sp.GetRequiredService<BootArtifacts>(), options.Images));
        return services.AddFarmPipeline(options.Provisioning, bringUp: b =>
        {
            b.SshUser = options.SshUser;
            b.SshKeyFile = options.SshKeyFile;
            b.Addons = options.Addons;
            if (options.LoadBalancerRanges.Count > 0) b.AddressRanges = options.LoadBalancerRanges;
        });
    }
}

/// <summary>Binds the farm's boot service and registers the images it serves.</summary>
internal sealed class BootServiceStart(BootServiceListener listener, BootArtifacts artifacts, IReadOnlyList<(BootImage Image, string Directory)> images) : IFarmStart
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (image, directory) in images) artifacts.AddImage(image, directory);
        await listener.StartAsync(cancellationToken);
    }
}
