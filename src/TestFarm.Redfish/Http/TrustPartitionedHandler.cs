using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Pool;
using TestFarm.Redfish.Factory;

namespace TestFarm.Redfish.Http;

/// <summary>
/// The Redfish client's primary handler: one <see cref="SocketsHttpHandler"/>, with its own connection pool, per TLS trust
/// setting (<see cref="TlsPolicy.KeyOf"/>), made when a request with that setting first comes. A pooled connection is
/// reused only by requests of the trust that checked its certificate: two BMCs on one address with different trust never
/// share one. Each pool recycles its connections after <see cref="RedfishHttp.PooledConnectionLifetime"/>, so a BMC that
/// moved (DNS) or renewed its certificate is checked anew.
/// </summary>
internal sealed class TrustPartitionedHandler : HttpMessageHandler
{
    private readonly ConcurrentDictionary<string, Lazy<HttpMessageInvoker>> _pools = new(StringComparer.Ordinal);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var transport = RedfishCall.Of(request)?.Transport;
        var key = transport?.TrustKey ?? TlsPolicy.SystemKey;
        return _pools.GetOrAdd(key, _ => new Lazy<HttpMessageInvoker>(() => new HttpMessageInvoker(
                CreatePool(transport?.Tls ?? new BmcTlsOptions(), transport?.Logger), disposeHandler: true)))
            .Value.SendAsync(request, cancellationToken);
    }

    /// <summary>A pool whose every new connection is checked by <paramref name="tls"/> (equal for every BMC of this key).</summary>
    private static SocketsHttpHandler CreatePool(BmcTlsOptions tls, ILogger? logger) => new()
    {
        UseCookies = false,
        PooledConnectionLifetime = RedfishHttp.PooledConnectionLifetime,
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                TlsPolicy.For(Target(sender), tls, logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)(certificate as X509Certificate2, chain, errors),
        },
    };

    /// <summary>The BMC a connection is for, as its log lines name it.</summary>
    private static Uri Target(object sender) =>
        sender is SslStream { TargetHostName: { Length: > 0 } host } && Uri.TryCreate($"https://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}/", UriKind.Absolute, out var uri)
            ? uri : new Uri("https://bmc.invalid/");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var pool in _pools.Values.Where(p => p.IsValueCreated)) pool.Value.Dispose();
            _pools.Clear();
        }
        base.Dispose(disposing);
    }
}
