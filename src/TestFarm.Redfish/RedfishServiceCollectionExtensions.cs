using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TestFarm.Core.Bmc;
using TestFarm.Redfish.Factory;
using TestFarm.Redfish.Http;

namespace TestFarm.Redfish;

/// <summary>Where the Redfish client reads the BMC credentials' environment variables (a lab or a test swaps it).</summary>
public sealed record BmcCredentialEnvironment(Func<string, string?> Read);

public static class RedfishServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Redfish HTTP client (Refit over <see cref="IHttpClientFactory"/>, with its resilience and BMC handlers),
    /// <see cref="RedfishClientFactory"/> and, as <see cref="IBmcClientFactory"/>, that factory (TryAdd: an earlier
    /// registration wins, e.g. a wrapper around the factory). <see cref="RedfishOptions"/> start from <paramref name="options"/>,
    /// then configuration section <c>Redfish</c> when the container has an <see cref="IConfiguration"/>; they are validated at
    /// start (<see cref="RedfishOptionsValidator"/>). Credentials' variables are read through a registered
    /// <see cref="BmcCredentialEnvironment"/>, the process environment otherwise.
    /// </summary>
    public static IServiceCollection AddTestFarmRedfish(this IServiceCollection services, RedfishOptions? options = null)
    {
        var builder = services.AddOptions<RedfishOptions>();
        if (options is not null) builder.Configure(o => CopyTo(options, o));
        builder.Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(RedfishOptions.Section).Bind(o))
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedfishOptions>, RedfishOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddRedfishHttp();
        services.TryAddSingleton(sp => new RedfishClientFactory(sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<IOptions<RedfishOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>())
        {
            Environment = sp.GetService<BmcCredentialEnvironment>()?.Read ?? Environment.GetEnvironmentVariable,
        });
        services.TryAddSingleton<IBmcClientFactory>(sp => sp.GetRequiredService<RedfishClientFactory>());
        return services;
    }

    private static void CopyTo(RedfishOptions from, RedfishOptions to)
    {
        to.RequestTimeout = from.RequestTimeout;
        to.MaxRetries = from.MaxRetries;
        to.RetryDelay = from.RetryDelay;
        to.MaxConcurrencyPerBmc = from.MaxConcurrencyPerBmc;
        to.PollInterval = from.PollInterval;
        to.TaskDeadline = from.TaskDeadline;
        to.UseIfMatch = from.UseIfMatch;
    }
}
