using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Bmc;
using TestFarm.Redfish.Factory;

namespace TestFarm.Redfish;

public static class RedfishServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IBmcClientFactory"/> as the Redfish client factory (TryAdd: an earlier registration wins).</summary>
    public static IServiceCollection AddTestFarmRedfish(this IServiceCollection services, RedfishOptions? options = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(options ?? new RedfishOptions());
        services.TryAddSingleton<IBmcClientFactory>(sp => new RedfishClientFactory(
            sp.GetRequiredService<RedfishOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>()));
        return services;
    }
}
