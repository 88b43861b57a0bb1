using System.Net.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Refit;
using TestFarm.Redfish.Json;

namespace TestFarm.Redfish.Http;

/// <summary>
/// The one <see cref="IHttpClientFactory"/> client every BMC is reached through, registered with Refit.HttpClientFactory:
/// resilience (<see cref="RedfishResilience"/>), then authentication (<see cref="RedfishAuthHandler"/>), then the BMC's
/// gate (<see cref="BmcConcurrencyHandler"/>), then a primary handler that checks each BMC's certificate by that BMC's
/// own trust (<see cref="Factory.TlsPolicy"/>), read from the request. One pipeline serves every BMC; a client per BMC
/// only sets its base address.
/// </summary>
internal static class RedfishHttp
{
    public const string ClientName = "TestFarm.Redfish";

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
        client.ConfigurePrimaryHttpMessageHandler(() => CreatePrimaryHandler());
        client.AddResilienceHandler("redfish", RedfishResilience.Configure);
        client.AddHttpMessageHandler<RedfishAuthHandler>().AddHttpMessageHandler<BmcConcurrencyHandler>();
        return services;
    }

    public static IRedfishApi Api(HttpClient http) => RestService.For<IRedfishApi>(http, Settings);

    private static HttpClientHandler CreatePrimaryHandler() => new()
    {
        UseCookies = false,
        // The request is the one that opens the connection; connections are pooled per scheme, host and port, so
        // one BMC address is trusted by one policy (the pool file gives each BMC its own).
        ServerCertificateCustomValidationCallback = (request, certificate, chain, errors) =>
            RedfishCall.Of(request)?.Transport.Trust(certificate, chain, errors) ?? errors == SslPolicyErrors.None,
    };

    private sealed class Marker;
}
