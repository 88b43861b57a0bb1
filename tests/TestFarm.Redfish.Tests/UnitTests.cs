using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;
using TestFarm.Redfish.Factory;
using TestFarm.Redfish.Http;
using TestFarm.Redfish.Power;
using TestFarm.Testing;

namespace TestFarm.Redfish.Tests;

public sealed class UnitTests
{
    [TestCase(PowerIntent.GracefulOff, new[] { "On", "ForceOff", "ForceRestart", "Nmi", "PushPowerButton" }, "PushPowerButton")] // HPE iLO 5
    [TestCase(PowerIntent.PowerCycle, new[] { "On", "ForceOff", "ForceRestart", "GracefulShutdown", "PushPowerButton" }, "ForceRestart")] // Dell R570
    [TestCase(PowerIntent.PowerCycle, new[] { "On", "ForceOff", "PowerCycle", "ForceRestart" }, "PowerCycle")]
    [TestCase(PowerIntent.On, new[] { "ForceOn" }, "ForceOn")]
    [TestCase(PowerIntent.On, new string[0], "On")]
    [TestCase(PowerIntent.GracefulRestart, new[] { "On", "ForceOff" }, null)]
    public void ResetType_IsChosenFromWhatTheBmcOffers(PowerIntent intent, string[] allowed, string? expected) =>
        Assert.That(ResetTypes.Choose(intent, allowed), Is.EqualTo(expected));

    [TestCase("W/\"gen-1\"", "W/\"gen-1\"")]
    [TestCase("'W/\"7dc5e2b9\"'", "W/\"7dc5e2b9\"")] // sushy session_creation_headers.json
    [TestCase("\"W/'gen-1'\"", "W/'gen-1'")] // iDRAC 10 double quoting
    [TestCase("W/\"\"", null)] // HPE empty weak ETag
    [TestCase("\"abc\"", "\"abc\"")]
    [TestCase("", null)]
    public void ETag_QuirksAreNormalised(string raw, string? expected) => Assert.That(ETags.Normalize(raw), Is.EqualTo(expected));

    [Test]
    public void Endpoint_ResolvesLabPrefixedIdsAndRealBmcs()
    {
        var lab = new RedfishEndpoint(new Uri("http://127.0.0.1:5000/bmc/m1"));
        var real = new RedfishEndpoint(new Uri("https://10.1.2.3/redfish/v1/"));
        Assert.Multiple(() =>
        {
            Assert.That(lab.ServiceRoot.ToString(), Is.EqualTo("http://127.0.0.1:5000/bmc/m1/redfish/v1"));
            Assert.That(lab.Resolve("/bmc/m1/redfish/v1/Systems/1").ToString(), Is.EqualTo("http://127.0.0.1:5000/bmc/m1/redfish/v1/Systems/1"));
            Assert.That(real.ServiceRoot.ToString(), Is.EqualTo("https://10.1.2.3/redfish/v1"));
            Assert.That(real.Resolve("/redfish/v1/Chassis/System.Embedded.1/Thermal#/Fans/0").ToString(), Is.EqualTo("https://10.1.2.3/redfish/v1/Chassis/System.Embedded.1/Thermal"));
            Assert.That(RedfishUris.SamePath("/redfish/v1/systems/1/", "/redfish/v1/Systems/1"), Is.True);
        });
    }

    [Test]
    public void Credentials_FromEnvAndFile_AndMissingOnesNameThePlace()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("pw"), "s3cret\n");
        var env = new Dictionary<string, string> { ["BMC_PW"] = "fromenv", ["BMC_USER"] = "root" };
        var fromEnv = CredentialResolver.Resolve(new CredentialReference { UserEnv = "BMC_USER", PasswordEnv = "BMC_PW" }, "m1", env.GetValueOrDefault);
        var fromFile = CredentialResolver.Resolve(new CredentialReference { User = "admin", PasswordFile = dir.File("pw") }, "m1", env.GetValueOrDefault);
        var e = Assert.Throws<BmcException>(() => CredentialResolver.Resolve(new CredentialReference { User = "a", PasswordEnv = "NOPE" }, "m7", env.GetValueOrDefault));
        Assert.Multiple(() =>
        {
            Assert.That((fromEnv.User, fromEnv.Password), Is.EqualTo(("root", "fromenv")));
            Assert.That(fromFile.Password, Is.EqualTo("s3cret"));
            Assert.That(fromFile.ToString(), Does.Not.Contain("s3cret"));
            Assert.That(e!.Message, Does.Contain("m7").And.Contain("NOPE"));
        });
    }

    [Test]
    public void PinnedFingerprint_IsNormalised() =>
        Assert.That(TlsPolicy.NormalizeFingerprint("ab:cd:EF 01"), Is.EqualTo("ABCDEF01"));
}
