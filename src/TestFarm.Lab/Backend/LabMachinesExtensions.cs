using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Provisioning;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Lab.Cluster;
using TestFarm.Orchestration.Backends;
using TestFarm.Provisioning.Boot;
using TestFarm.Redfish;
using TestFarm.Scenarios.Chaos;
using TestFarm.Scenarios.Conformance;

namespace TestFarm.Lab.Backend;

public static class LabMachinesExtensions
{
    /// <summary>
    /// The built-in lab as the farm's backend: virtual BMCs over simulated machines and QEMU machines that really network-boot
    /// the lab image from the farm's boot service on loopback, the simulated clusters (the lab deployer) with the real add-on
    /// manifests, the lab's hardware faults and node agent for chaos steps and recorded conformance results; the rest is
    /// <see cref="FarmPipelineExtensions.AddFarmPipeline"/>, tuned to machines that POST and boot in seconds. Start it with
    /// <see cref="IFarmStart"/> (builds the image, binds the boot service, starts the lab).
    /// </summary>
    public static IServiceCollection AddLabMachines(this IServiceCollection services, LabMachinesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // QEMU guests reach the host's loopback as 10.0.2.2 (user networking); the simulated machines share that view.
        var farmHost = options.Machines.QemuMachines + options.Machines.QemuArm64Machines > 0 ? "10.0.2.2" : "127.0.0.1";
        services.AddSingleton(options);
        services.AddSingleton(new BootListenOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), PublicBase = port => new Uri($"http://{farmHost}:{port}") });
        services.AddSingleton<LabRig>();
        services.AddSingleton<IFarmStart>(sp => sp.GetRequiredService<LabRig>());
        services.AddSingleton(sp => new BmcCredentialEnvironment(name =>
            name == "TESTFARM_LAB_BMC_PASSWORD" ? sp.GetRequiredService<LabRig>().Password : Environment.GetEnvironmentVariable(name)));
        services.AddSingleton(sp => sp.GetRequiredService<LabRig>().Images);
        services.AddSingleton(sp => sp.GetRequiredService<LabRig>().Machines);
        services.AddSingleton(sp => new LabClusters(sp.GetRequiredService<LabRig>().Lab, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IClusterDeployer>(sp => new LabClusterDeployer(sp.GetRequiredService<LabClusters>().StartAsync, sp.GetRequiredService<LabClusters>().StopAsync));
        // The machines' serial consoles, for the farm's console API and page.
        services.AddSingleton<Core.Machines.IMachineConsoles>(sp => new Consoles.LabConsoles(() => sp.GetRequiredService<LabRig>().Lab));
        services.AddSingleton<ILabFaults>(sp => new LabFaultsAdapter(sp.GetRequiredService<LabRig>().Lab));
        services.AddSingleton<INodeAgent>(sp => new LabNodeAgent(sp.GetRequiredService<LabClusters>().FindByNode));
        // The lab runs Sonobuoy's quick mode itself through the cluster API and writes the results tarball.
        services.AddSingleton<ISonobuoyRunner>(sp => new LabSonobuoyRunner(sp.GetRequiredService<TimeProvider>()));
        // Simulated machines POST and boot in seconds: deadlines to match, so a dead phase shows quickly. The QEMU machines
        // boot under TCG, whose kernel + initramfs load takes from ~10 s to over 40 s on a busy two-core host (seen: an
        // arm64 network boot and an amd64 agent callback both past 30 s with the load average at 49): their two boot
        // phases get 2 minutes.
        var phase = new PhasePolicy { Deadline = TimeSpan.FromSeconds(30), Retries = 1, Backoff = TimeSpan.FromSeconds(1) };
        var boot = phase with { Deadline = TimeSpan.FromMinutes(2) };
        var policy = ProvisioningPolicy.Uniform(phase, TimeSpan.FromSeconds(5));
        policy.NetworkBoot = boot;
        policy.AgentCallback = boot;
        // The lab image's agent (and the simulated machines' agent) kexec the next trusted build: fast track is on
        // (configuration Provisioning:FastTrack=false turns it off).
        policy.FastTrack = true;
        return services.AddFarmPipeline(policy, new RedfishOptions { PollInterval = TimeSpan.FromMilliseconds(250) }, b =>
        {
            b.Addons = options.Addons;
            // MetalLB hands out loopback VIPs that the simulated clusters really serve: probes connect to them.
            b.AddressRanges = [SimulatedCluster.LoopbackLoadBalancerRange];
        });
    }
}
