using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;
using TestFarm.Redfish.Factory;
using TestFarm.Lab.Mockup;
using TestFarm.Testing;

namespace TestFarm.Redfish.Tests;

/// <summary>A self-signed BMC over real HTTPS on loopback: refused by default, accepted by pin, CA bundle or explicit insecure.</summary>
[CancelAfter(60_000)]
public sealed class TlsTests
{
    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=bmc.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    private static async Task<PowerState> PowerAsync(MockupServer server, BmcTlsOptions tls)
    {
        using var factory = new RedfishClientFactory(RedfishReplay.FastOptions with { MaxRetries = 0 }, TimeProvider.System, NullLoggerFactory.Instance) { Environment = _ => "password" };
        return await PowerAsync(factory, server, tls);
    }

    /// <summary>The power state through <paramref name="factory"/>, whose one Redfish client pools connections across BMCs.</summary>
    private static async Task<PowerState> PowerAsync(RedfishClientFactory factory, MockupServer server, BmcTlsOptions tls)
    {
        var machine = new PoolMachine
        {
            Id = "tls", Profile = "p", ProvisioningMac = "00:00:00:00:00:02",
            Bmc = new BmcEndpoint { Url = server.BaseUrl, Auth = BmcAuthMode.Basic, Tls = tls, Credentials = new CredentialReference { User = "admin", PasswordEnv = "PW" } },
        };
        await using var client = factory.Create(machine);
        return await client.GetPowerStateAsync();
    }

    [Test]
    public async Task SelfSignedBmc_IsRefusedByDefault_AcceptedByPinCaBundleOrInsecure()
    {
        using var cert = SelfSigned();
        await using var server = await MockupServer.StartAsync(Fixtures.Shared("redfish", "dmtf-mockup", "public-rackmount1"), new MockupQuirks(), certificate: cert);
        Assert.That(server.BaseUrl.Scheme, Is.EqualTo("https"));
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("ca.pem"), cert.ExportCertificatePem());
        var pin = Convert.ToHexString(SHA256.HashData(cert.RawData));

        var refused = Assert.ThrowsAsync<BmcException>(() => PowerAsync(server, new BmcTlsOptions()));
        Assert.That(refused!.Kind, Is.EqualTo(BmcErrorKind.Unreachable));
        var wrongPin = Assert.ThrowsAsync<BmcException>(() => PowerAsync(server, new BmcTlsOptions { PinnedSha256 = new string('A', 64) }));
        Assert.That(wrongPin!.Kind, Is.EqualTo(BmcErrorKind.Unreachable));
        Assert.That(await PowerAsync(server, new BmcTlsOptions { PinnedSha256 = pin.ToLowerInvariant() }), Is.EqualTo(PowerState.On));
        Assert.That(await PowerAsync(server, new BmcTlsOptions { CaBundle = dir.File("ca.pem") }), Is.EqualTo(PowerState.On));
        Assert.That(await PowerAsync(server, new BmcTlsOptions { Insecure = true }), Is.EqualTo(PowerState.On));
    }

    [Test]
    public async Task Two_bmcs_on_one_address_with_different_trust_never_share_a_pooled_connection()
    {
        using var cert = SelfSigned();
        await using var server = await MockupServer.StartAsync(Fixtures.Shared("redfish", "dmtf-mockup", "public-rackmount1"), new MockupQuirks(), certificate: cert);
        var pin = Convert.ToHexString(SHA256.HashData(cert.RawData));
        using var factory = new RedfishClientFactory(RedfishReplay.FastOptions with { MaxRetries = 0 }, TimeProvider.System, NullLoggerFactory.Instance) { Environment = _ => "password" };

        // The first BMC verifies the certificate by its pin: its connection stays in the pool (keep-alive).
        Assert.That(await PowerAsync(factory, server, new BmcTlsOptions { PinnedSha256 = pin }), Is.EqualTo(PowerState.On));
        // A second BMC at the same address, pinned to another certificate: checked on a connection of its own, and refused.
        var otherPin = Assert.ThrowsAsync<BmcException>(() => PowerAsync(factory, server, new BmcTlsOptions { PinnedSha256 = new string('A', 64) }));
        Assert.That(otherPin!.Kind, Is.EqualTo(BmcErrorKind.Unreachable), "the pinned BMC's verified connection was not reused");

        // An insecure BMC's connection does not let a BMC with the system's trust through either.
        Assert.That(await PowerAsync(factory, server, new BmcTlsOptions { Insecure = true }), Is.EqualTo(PowerState.On));
        var system = Assert.ThrowsAsync<BmcException>(() => PowerAsync(factory, server, new BmcTlsOptions()));
        Assert.That(system!.Kind, Is.EqualTo(BmcErrorKind.Unreachable), "the insecure BMC's connection was not reused");

        // The same trust as before still gets through (its own pool).
        Assert.That(await PowerAsync(factory, server, new BmcTlsOptions { PinnedSha256 = pin.ToLowerInvariant() }), Is.EqualTo(PowerState.On));
    }

    [Test]
    public void Each_distinct_trust_setting_has_its_own_key_and_equal_settings_share_one()
    {
        Assert.That(TlsPolicy.KeyOf(new BmcTlsOptions()), Is.EqualTo(TlsPolicy.SystemKey));
        Assert.That(TlsPolicy.KeyOf(new BmcTlsOptions { PinnedSha256 = "ab:cd" }), Is.EqualTo(TlsPolicy.KeyOf(new BmcTlsOptions { PinnedSha256 = "ABCD" })));
        var keys = new[]
        {
            new BmcTlsOptions(), new BmcTlsOptions { Insecure = true }, new BmcTlsOptions { PinnedSha256 = "AB" }, new BmcTlsOptions { PinnedSha256 = "CD" },
            new BmcTlsOptions { CaBundle = "/etc/a.pem" }, new BmcTlsOptions { CaBundle = "/etc/b.pem" },
        }.Select(TlsPolicy.KeyOf).ToList();
        Assert.That(keys, Is.Unique);
    }
}
