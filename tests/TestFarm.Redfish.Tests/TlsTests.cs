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
        var machine = new PoolMachine
        {
            Id = "tls", Profile = "p", ProvisioningMac = "00:00:00:00:00:02",
            Bmc = new BmcEndpoint { Url = server.BaseUrl, Auth = BmcAuthMode.Basic, Tls = tls, Credentials = new CredentialReference { User = "admin", PasswordEnv = "PW" } },
        };
        var factory = new RedfishClientFactory(RedfishReplay.FastOptions with { MaxRetries = 0 }, TimeProvider.System, NullLoggerFactory.Instance) { Environment = _ => "password" };
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
}
