using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TestFarm.Core.Bmc;
using TestFarm.Core.Provisioning;
using TestFarm.Kubernetes;
using TestFarm.Kubernetes.Client;
using TestFarm.Kubernetes.Deploy;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Provisioning;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Provisioning.Reimage;
using TestFarm.Redfish;
using TestFarm.Scenarios;
using TestFarm.Scenarios.Chaos;
using TestFarm.Scenarios.Conformance;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Probes;

namespace TestFarm.Orchestration.Backends;

public static class FarmPipelineExtensions
{
    /// <summary>
    /// The cell pipeline's phases over the adapters, whatever the machines are: <see cref="IMachineProvisioner"/> (the farm's
    /// reimager and cleaner through the BMCs, the registered <see cref="ImageCatalogue"/>), <see cref="IClusterBringUp"/> (the
    /// registered <see cref="IClusterDeployer"/>s, MetalLB and Rook per <see cref="BringUpOptions"/>) and <see cref="ISuiteRunner"/>
    /// (the scenario engine with the registered <see cref="ISonobuoyRunner"/>, <see cref="ILabFaults"/>, <see cref="INodeAgent"/>
    /// or <see cref="ILeaseNodeAgents"/> when there are). Registers the adapters with their own <c>Add…()</c> (Redfish, Provisioning with the boot service at
    /// <see cref="BootServiceListener.PublicBaseUrl"/>, Kubernetes, Scenarios); a backend registers only what differs, before this.
    /// </summary>
    public static IServiceCollection AddFarmPipeline(this IServiceCollection services, ProvisioningPolicy? policy = null, RedfishOptions? redfish = null,
        Action<BringUpOptions>? bringUp = null)
    {
        services.AddTestFarmRedfish(redfish);
        services.AddTestFarmProvisioning(sp => sp.GetRequiredService<BootServiceListener>().PublicBaseUrl, policy);
        services.AddTestFarmKubernetes();
        services.AddTestFarmScenarios();

        var options = services.AddOptions<BringUpOptions>();
        if (bringUp is not null) options.Configure(bringUp);
        options.Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(BringUpOptions.Section).Bind(o))
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BringUpOptions>, BringUpOptionsValidator>());

        services.TryAddSingleton<IMachineProvisioner>(sp => new FarmProvisioner(sp.GetRequiredService<Reimager>(), sp.GetRequiredService<Cleaner>(),
            sp.GetRequiredService<IBmcClientFactory>(), sp.GetRequiredService<ImageCatalogue>()));
        services.TryAddSingleton<IClusterBringUp>(sp => new KubernetesBringUp(sp.GetServices<IClusterDeployer>(),
            sp.GetRequiredService<IOptions<BringUpOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<KubernetesClientOptions>()));
        services.TryAddSingleton(sp => new ScenarioExtras
        {
            Sonobuoy = sp.GetService<ISonobuoyRunner>(),
            LabFaults = sp.GetService<ILabFaults>(),
            NodeAgent = sp.GetService<INodeAgent>(),
            LeaseNodeAgents = sp.GetService<ILeaseNodeAgents>(),
            Transport = sp.GetService<IProbeTransport>(),
            RandomSeed = sp.GetRequiredService<IOptions<ScenariosOptions>>().Value.RandomSeed,
        });
        services.TryAddSingleton<ISuiteRunner>(sp => new ScenarioSuiteRunner(sp.GetRequiredService<SuiteRunner>(),
            sp.GetRequiredService<ScenarioExtras>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
