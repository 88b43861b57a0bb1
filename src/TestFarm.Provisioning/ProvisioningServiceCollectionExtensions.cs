using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Provisioning.Health;
using TestFarm.Provisioning.Reimage;

namespace TestFarm.Provisioning;

public static class ProvisioningServiceCollectionExtensions
{
    /// <summary>
    /// Registers the boot service's state (<see cref="BootSessions"/>, <see cref="BootArtifacts"/>,
    /// <see cref="BootServiceOptions"/>) and the pipelines (<see cref="Reimager"/>, <see cref="Cleaner"/>,
    /// <see cref="HealthChecker"/>). Map the HTTP side with <c>app.MapTestFarmBoot()</c>.
    /// </summary>
    public static IServiceCollection AddTestFarmProvisioning(this IServiceCollection services, Func<IServiceProvider, Uri> publicBaseUrl, ProvisioningPolicy? policy = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(policy ?? new ProvisioningPolicy());
        if (!services.Any(s => s.ServiceType == typeof(BootSessions)))
            services.AddTestFarmBootService(publicBaseUrl);
        services.TryAddSingleton(sp => new Reimager(sp.GetRequiredService<BootSessions>(), sp.GetRequiredService<BootServiceOptions>(),
            sp.GetRequiredService<ProvisioningPolicy>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<Reimager>>()));
        services.TryAddSingleton(sp => new Cleaner(sp.GetRequiredService<BootSessions>(), sp.GetRequiredService<Reimager>(),
            sp.GetRequiredService<ProvisioningPolicy>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<Cleaner>>()));
        services.TryAddSingleton(sp => new HealthChecker(sp.GetRequiredService<Reimager>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
