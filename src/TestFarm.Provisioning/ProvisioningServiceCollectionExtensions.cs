using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
    /// <see cref="BootServiceOptions"/>), its listener (<see cref="BootServiceListener"/>, when the host registers
    /// <see cref="BootListenOptions"/>) and the pipelines (<see cref="Reimager"/>, <see cref="Cleaner"/>,
    /// <see cref="HealthChecker"/>). <see cref="ProvisioningPolicy"/> starts from <paramref name="policy"/>, then configuration
    /// section <c>Provisioning</c> when the container has an <see cref="IConfiguration"/>, and is validated at start
    /// (<see cref="ProvisioningPolicyValidator"/>). Map the HTTP side into an app with <c>app.MapTestFarmBoot()</c>.
    /// </summary>
    public static IServiceCollection AddTestFarmProvisioning(this IServiceCollection services, Func<IServiceProvider, Uri> publicBaseUrl, ProvisioningPolicy? policy = null)
    {
        var builder = services.AddOptions<ProvisioningPolicy>();
        if (policy is not null) builder.Configure(o => CopyTo(policy, o));
        builder.Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(ProvisioningPolicy.Section).Bind(o))
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProvisioningPolicy>, ProvisioningPolicyValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<ProvisioningPolicy>>().Value);
        if (!services.Any(s => s.ServiceType == typeof(BootSessions)))
            services.AddTestFarmBootService(publicBaseUrl);
        services.TryAddSingleton(sp => new BootServiceListener(sp.GetRequiredService<BootSessions>(), sp.GetRequiredService<BootArtifacts>(),
            sp.GetRequiredService<BootListenOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new Reimager(sp.GetRequiredService<BootSessions>(), sp.GetRequiredService<BootServiceOptions>(),
            sp.GetRequiredService<ProvisioningPolicy>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<Reimager>>()));
        services.TryAddSingleton(sp => new Cleaner(sp.GetRequiredService<BootSessions>(), sp.GetRequiredService<Reimager>(),
            sp.GetRequiredService<ProvisioningPolicy>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<Cleaner>>()));
        services.TryAddSingleton(sp => new HealthChecker(sp.GetRequiredService<Reimager>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    private static void CopyTo(ProvisioningPolicy from, ProvisioningPolicy to)
    {
        to.PowerOff = from.PowerOff;
        to.OverrideSet = from.OverrideSet;
        to.Post = from.Post;
        to.NetworkBoot = from.NetworkBoot;
        to.AgentCallback = from.AgentCallback;
        to.Wipe = from.Wipe;
        to.TokenLifetime = from.TokenLifetime;
        to.HeartbeatInterval = from.HeartbeatInterval;
        to.AgentSilence = from.AgentSilence;
        to.FastTrack = from.FastTrack;
    }
}
