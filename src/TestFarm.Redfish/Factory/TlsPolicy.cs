using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Pool;

namespace TestFarm.Redfish.Factory;

/// <summary>
/// Certificate checks for one BMC: the system trust store by default; a CA bundle (PEM) as the only
/// trusted roots; or a pinned SHA-256 fingerprint of the BMC's own certificate. Insecure is explicit and logged.
/// </summary>
public static class TlsPolicy
{
    public static SocketsHttpHandler CreateHandler(Uri bmc, BmcTlsOptions tls, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(tls);
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), UseCookies = false };
        if (tls.Insecure)
        {
            Log.InsecureTls(logger, bmc);
#pragma warning disable CA5359 // Explicit, per-BMC opt-in from the pool file, logged above.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (tls.PinnedSha256 is { } pin)
        {
            var expected = NormalizeFingerprint(pin);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
            {
                if (cert is null) return false;
                var seen = Convert.ToHexString(SHA256.HashData(cert.GetRawCertData()));
                if (seen == expected) return true;
                Log.PinMismatch(logger, bmc, seen);
                return false;
            };
        }
        else if (tls.CaBundle is { } bundle)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(bundle);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                cert is not null && ValidateAgainst(new X509Certificate2(cert), roots, errors);
        }
        return handler;
    }

    public static string NormalizeFingerprint(string pin) =>
        new string(pin.Where(Uri.IsHexDigit).ToArray()).ToUpperInvariant();

    private static bool ValidateAgainst(X509Certificate2 cert, X509Certificate2Collection roots, SslPolicyErrors errors)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(cert);
    }
}
