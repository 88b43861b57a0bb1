using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;
using TestFarm.Redfish.Auth;

namespace TestFarm.Redfish.Factory;

/// <summary>
/// Builds a <see cref="RedfishClient"/> for a pool machine: credentials resolved from their reference,
/// basic or session auth per BMC, TLS per BMC, and one concurrency gate shared by all clients of a BMC.
/// </summary>
public sealed class RedfishClientFactory(RedfishOptions options, TimeProvider time, ILoggerFactory? loggers = null) : IBmcClientFactory
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILoggerFactory _loggers = loggers ?? NullLoggerFactory.Instance;

    /// <summary>Reads environment variables through this (tests swap it).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public IBmcClient Create(PoolMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var logger = _loggers.CreateLogger("TestFarm.Redfish");
        var bmc = machine.Bmc;
        var credentials = CredentialResolver.Resolve(bmc.Credentials, machine.Id, Environment);
        RedfishAuth auth = bmc.Auth == BmcAuthMode.Basic ? new BasicAuth(credentials) : new SessionAuth(credentials, logger);
#pragma warning disable RS0030 // One client per BMC with that BMC's TLS policy: this is the BMC client factory.
        var http = new HttpClient(TlsPolicy.CreateHandler(bmc.Url, bmc.Tls, logger)) { Timeout = Timeout.InfiniteTimeSpan };
#pragma warning restore RS0030
        var gate = _gates.GetOrAdd(bmc.Url.GetLeftPart(UriPartial.Path), _ => new SemaphoreSlim(options.MaxConcurrencyPerBmc));
        return new RedfishClient(http, bmc.Url, auth, options, time, logger, gate, ownsHttpClient: true);
    }
}
