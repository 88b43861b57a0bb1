using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Refit;
using TestFarm.Redfish.Json;

namespace TestFarm.Redfish.Http;

/// <summary>
/// The one <see cref="IHttpClientFactory"/> client every BMC is reached through, registered with Refit.HttpClientFactory:
/// resilience (<see cref="RedfishResilience"/>), then authentication (<see cref="RedfishAuthHandler"/>), then the BMC's
/// gate (<see cref="BmcConcurrencyHandler"/>), then the primary handler <see cref="TrustPartitionedHandler"/>: a connection
/// pool per TLS trust setting (<see cref="Factory.TlsPolicy"/>), each recycling its connections after
/// <see cref="PooledConnectionLifetime"/>. One pipeline serves every BMC; a client per BMC only sets its base address.
/// No <c>new HttpClient</c> per client: every client comes from the factory, and the handler lives as long as the factory
/// (connection recycling is the pools' job, not the factory's handler rotation).
/// </summary>
internal static class RedfishHttp
{
    public const string ClientName = "TestFarm.Redfish";

    /// <summary>How long a pooled BMC connection is reused before a new one is opened (DNS and certificate changes are seen).</summary>
    public static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(2);

    public static RefitSettings Settings { get; } = new()
    {
        ContentSerializer = new SystemTextJsonContentSerializer(RedfishJsonContext.Default.Options),
    };

    public static IServiceCollection AddRedfishHttp(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(Marker))) return services;
        services.AddSingleton<Marker>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddTransient<RedfishAuthHandler>();
        services.TryAddTransient<BmcConcurrencyHandler>();
        var client = services.AddRefitClient<IRedfishApi>(Settings, ClientName);
        client.ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan);
        // No request-per-line logging from the factory: BMC calls are many; retries and logins are logged by the client.
        client.RemoveAllLoggers();
        client.ConfigurePrimaryHttpMessageHandler(() => new TrustPartitionedHandler());
        client.SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        client.AddResilienceHandler("redfish", RedfishResilience.Configure);
        client.AddHttpMessageHandler<RedfishAuthHandler>().AddHttpMessageHandler<BmcConcurrencyHandler>();
        return services;
    }

    public static IRedfishApi Api(HttpClient http) => RestService.For<IRedfishApi>(http, Settings);

    private sealed class Marker;
}
