using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;
using TestFarm.Redfish.Auth;
using TestFarm.Redfish.Http;

namespace TestFarm.Redfish.Factory;

/// <summary>
/// Builds a <see cref="RedfishClient"/> for a pool machine (or a URL): credentials resolved from their reference,
/// basic or session auth per BMC, TLS trust per BMC, and one concurrency gate shared by all clients of a BMC. Every
/// client is a Refit client over the one Redfish <see cref="IHttpClientFactory"/> client (<see cref="RedfishHttp"/>).
/// </summary>
public sealed class RedfishClientFactory : IBmcClientFactory, IDisposable
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.OrdinalIgnoreCase);
    private readonly IHttpClientFactory _http;
    private readonly RedfishOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ServiceProvider? _owned;

    /// <summary>The factory <see cref="RedfishServiceCollectionExtensions.AddTestFarmRedfish"/> registers, on the container's HTTP client factory.</summary>
    public RedfishClientFactory(IHttpClientFactory http, RedfishOptions options, TimeProvider time, ILoggerFactory? loggers = null)
    {
        _http = http;
        _options = options;
        _time = time;
        _loggers = loggers ?? NullLoggerFactory.Instance;
    }

    /// <summary>
    /// A factory outside a host (one-off commands, tests): it keeps a small container of its own with the same
    /// Redfish HTTP client, configured by <paramref name="options"/> and timed by <paramref name="time"/>.
    /// </summary>
    public RedfishClientFactory(RedfishOptions options, TimeProvider time, ILoggerFactory? loggers = null)
        : this(Own(options, time, loggers), options, time, loggers)
    {
    }

    private RedfishClientFactory(ServiceProvider owned, RedfishOptions options, TimeProvider time, ILoggerFactory? loggers)
        : this(owned.GetRequiredService<IHttpClientFactory>(), options, time, loggers) => _owned = owned;

    private static ServiceProvider Own(RedfishOptions options, TimeProvider time, ILoggerFactory? loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        var services = new ServiceCollection()
            .AddSingleton(time)
            .AddSingleton(loggers ?? NullLoggerFactory.Instance)
            .AddSingleton(Options.Create(options));
        return services.AddRedfishHttp().BuildServiceProvider();
    }

    /// <summary>Reads environment variables through this (tests swap it).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public IBmcClient Create(PoolMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var bmc = machine.Bmc;
        var credentials = CredentialResolver.Resolve(bmc.Credentials, machine.Id, Environment);
        var logger = Logger();
        RedfishAuth auth = bmc.Auth == BmcAuthMode.Basic ? new BasicAuth(credentials) : new SessionAuth(credentials, logger);
        return Create(bmc.Url, auth, bmc.Tls);
    }

    /// <summary>A client for the BMC at <paramref name="bmcUrl"/> with the given login and TLS trust (the system's by default).</summary>
    public RedfishClient Create(Uri bmcUrl, RedfishAuth auth, BmcTlsOptions? tls = null)
    {
        ArgumentNullException.ThrowIfNull(bmcUrl);
        var logger = Logger();
        var gate = _gates.GetOrAdd(bmcUrl.GetLeftPart(UriPartial.Path), _ => new SemaphoreSlim(_options.MaxConcurrencyPerBmc));
        return new RedfishClient(_http.CreateClient(RedfishHttp.ClientName), bmcUrl, auth, _options, _time, logger, gate, tls ?? new BmcTlsOptions());
    }

    /// <summary>
    /// A client for one BMC outside a host (<c>testfarm redfish inspect</c>, tests), on a factory of its own that the
    /// client disposes with itself.
    /// </summary>
    public static RedfishClient CreateStandalone(Uri bmcUrl, RedfishAuth auth, RedfishOptions options, TimeProvider time,
        BmcTlsOptions? tls = null, ILoggerFactory? loggers = null)
    {
        var factory = new RedfishClientFactory(options, time, loggers);
        var client = factory.Create(bmcUrl, auth, tls);
        client.Owner = factory;
        return client;
    }

    public void Dispose() => _owned?.Dispose();

    private ILogger Logger() => _loggers.CreateLogger("TestFarm.Redfish");
}
