using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Bmc;
using TestFarm.Redfish.Auth;
using TestFarm.Lab.Mockup;
using TestFarm.Testing;

namespace TestFarm.Redfish.Tests;

[CancelAfter(60_000)]
public sealed class SessionTests
{
    private static SessionAuth Session(string password = "password") =>
        new(new RedfishCredentials("admin", password, "env:TEST_PW"), NullLogger.Instance);

    private static Task<MockupServer> ServeAsync(MockupQuirks quirks) =>
        MockupServer.StartAsync(Fixtures.Shared("redfish", "dmtf-mockup", "public-rackmount1"), quirks);

    [Test]
    public async Task SessionWithoutLocation_UsesBodyOdataId_AndDeletesItOnDispose()
    {
        await using var server = await ServeAsync(new MockupQuirks { RequireAuth = true, SessionLocationHeader = false });
        var auth = Session();
        await using (var client = RedfishReplay.Client(server, auth))
        {
            Assert.That(await client.GetPowerStateAsync(), Is.EqualTo(PowerState.On));
            Assert.That(auth.SessionUri?.AbsolutePath, Does.StartWith("/redfish/v1/SessionService/Sessions/"));
            Assert.That(server.Handler.ActiveSessions, Is.EqualTo(1));
        }
        Assert.Multiple(() =>
        {
            Assert.That(server.Handler.ActiveSessions, Is.Zero);
            Assert.That(server.Requests.Count("DELETE", "/SessionService/Sessions/"), Is.EqualTo(1));
            Assert.That(server.Requests.All.Where(r => r.Path.Contains("/Systems/", StringComparison.Ordinal)).All(r => r.HasToken), Is.True);
        });
    }

    [Test]
    public async Task On401_LogsInAgainOnce_AndTheCallSucceeds()
    {
        await using var server = await ServeAsync(new MockupQuirks { RequireAuth = true });
        var auth = Session();
        await using var client = RedfishReplay.Client(server, auth);
        await client.GetPowerStateAsync();
        server.Handler.ExpireSessions(); // the BMC restarted: tokens are gone
        Assert.That(await client.GetPowerStateAsync(), Is.EqualTo(PowerState.On));
        Assert.That(auth.Logins, Is.EqualTo(2));
    }

    [Test]
    public async Task WrongPassword_IsUnauthorized_WithoutRetryLoop()
    {
        await using var server = await ServeAsync(new MockupQuirks { RequireAuth = true });
        await using var client = RedfishReplay.Client(server, Session("wrong"));
        var e = Assert.ThrowsAsync<BmcException>(() => client.GetPowerStateAsync());
        Assert.Multiple(() =>
        {
            Assert.That(e!.Kind, Is.EqualTo(BmcErrorKind.Unauthorized));
            Assert.That(e.Message, Does.Not.Contain("wrong"), "the password never appears in errors");
            Assert.That(server.Requests.Count("POST", "/Sessions"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task BasicAuth_SendsCredentialsOnEveryCall()
    {
        await using var server = await ServeAsync(new MockupQuirks { RequireAuth = true });
        await using var client = RedfishReplay.Client(server, new BasicAuth(new RedfishCredentials("admin", "password", "test")));
        Assert.That(await client.GetPowerStateAsync(), Is.EqualTo(PowerState.On));
        Assert.That(server.Requests.Count("POST", "/Sessions"), Is.Zero);
        Assert.That(server.Requests.All.Where(r => r.Path.Contains("/Systems", StringComparison.Ordinal)).All(r => r.HasBasic), Is.True);
    }
}
