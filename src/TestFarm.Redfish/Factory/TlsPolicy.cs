using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Pool;

namespace TestFarm.Redfish.Factory;

/// <summary>Decides whether a BMC's certificate is trusted.</summary>
public delegate bool BmcTrust(X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors);

/// <summary>
/// Certificate checks for one BMC: the system trust store by default; a CA bundle (PEM) as the only
/// trusted roots; or a pinned SHA-256 fingerprint of the BMC's own certificate. Insecure is explicit and logged.
/// The Redfish HTTP client's primary handler asks the trust of the BMC a request is for.
/// </summary>
public static class TlsPolicy
{
    public static BmcTrust For(Uri bmc, BmcTlsOptions tls, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(tls);
        if (tls.Insecure)
        {
            Log.InsecureTls(logger, bmc);
            return (_, _, _) => true;
        }
        if (tls.PinnedSha256 is { } pin)
        {
            var expected = NormalizeFingerprint(pin);
            return (cert, _, _) =>
            {
                if (cert is null) return false;
                var seen = Convert.ToHexString(SHA256.HashData(cert.RawData));
                if (seen == expected) return true;
                Log.PinMismatch(logger, bmc, seen);
                return false;
            };
        }
        if (tls.CaBundle is { } bundle)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(bundle);
            return (cert, _, errors) => cert is not null && ValidateAgainst(cert, roots, errors);
        }
        return (_, _, errors) => errors == SslPolicyErrors.None;
    }

    /// <summary>The trust key of a request that names no BMC: the system trust store.</summary>
    public const string SystemKey = "system";

    /// <summary>
    /// One string per distinct trust setting: two BMCs with equal keys accept exactly the same certificates, so they may share
    /// pooled connections; different keys never do.
    /// </summary>
    public static string KeyOf(BmcTlsOptions tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        return tls.Insecure ? "insecure"
            : tls.PinnedSha256 is { } pin ? "pin:" + NormalizeFingerprint(pin)
            : tls.CaBundle is { } bundle ? "ca:" + Path.GetFullPath(bundle)
            : SystemKey;
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
