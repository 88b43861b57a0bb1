using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Core.Bmc;
using TestFarm.Core.Pool;
using TestFarm.Redfish.Factory;
using TestFarm.Lab.Mockup;
using TestFarm.Testing;

namespace TestFarm.Redfish.Tests;

/// <summary>
/// BMCs behind a path prefix (a reverse proxy or aggregator serving many BMCs on one address, e.g.
/// <c>/bmc/&lt;id&gt;</c>), with that prefix in every <c>@odata.id</c>: the pool's url is the base and the
/// client must navigate purely by links. (The lab's own BMCs sit at <c>/redfish/v1</c> of their own addresses.)
/// </summary>
[CancelAfter(60_000)]
public sealed class LabLayoutTests
{
    [Test]
    public async Task FactoryClient_DrivesAPrefixedBmc_WithSessionFromEnvCredentials()
    {
        var quirks = new MockupQuirks { PathPrefix = "/bmc/m1", RequireAuth = true, Password = "lab-pw" };
        await using var server = await MockupServer.StartAsync(Fixtures.Shared("redfish", "dmtf-mockup", "public-rackmount1"), quirks);
        var machine = new PoolMachine
        {
            Id = "m1", Profile = "contoso", ProvisioningMac = "12:44:6a:3b:04:11",
            Bmc = new BmcEndpoint
            {
                Url = new Uri(server.BaseUrl, "/bmc/m1"),
                Credentials = new CredentialReference { User = "admin", PasswordEnv = "TESTFARM_LAB_BMC_PASSWORD" },
            },
        };
        var factory = new RedfishClientFactory(RedfishReplay.FastOptions, TimeProvider.System, NullLoggerFactory.Instance)
        {
            Environment = name => name == "TESTFARM_LAB_BMC_PASSWORD" ? "lab-pw" : null,
        };
        await using (var client = factory.Create(machine))
        {
            await client.ResetAsync(PowerIntent.ForceOff);
            await client.WaitForPowerStateAsync(PowerState.Off, TimeSpan.FromSeconds(30));
            await client.SetOneTimeBootAsync(BootTarget.Pxe);
            await client.ResetAsync(PowerIntent.On);
            var inventory = await client.GetInventoryAsync();
            Assert.That(inventory.Nics, Has.Count.EqualTo(2));
            Assert.That(inventory.Warnings, Has.Count.EqualTo(1), string.Join("; ", inventory.Warnings)); // FirmwareInventory/SS is linked but absent
        }
        Assert.Multiple(() =>
        {
            Assert.That(server.Requests.All.Select(r => r.Path), Is.All.StartWith("/bmc/m1/redfish/v1"));
            Assert.That(server.Requests.Count("POST", "/bmc/m1/redfish/v1/SessionService/Sessions"), Is.EqualTo(1));
            Assert.That(server.Handler.ActiveSessions, Is.Zero);
        });
    }

    [Test]
    public async Task BasicAuthPerBmc_IsHonouredByTheFactory()
    {
        var quirks = new MockupQuirks { PathPrefix = "/bmc/m2", RequireAuth = true };
        await using var server = await MockupServer.StartAsync(Fixtures.Shared("redfish", "hpe-ilo", "proliantutils"), quirks);
        var machine = new PoolMachine
        {
            Id = "m2", Profile = "dl180", ProvisioningMac = "00:00:00:00:00:01",
            Bmc = new BmcEndpoint
            {
                Url = new Uri(server.BaseUrl, "/bmc/m2/"),
                Auth = BmcAuthMode.Basic,
                Credentials = new CredentialReference { User = "admin", PasswordEnv = "PW" },
            },
        };
        var factory = new RedfishClientFactory(RedfishReplay.FastOptions, TimeProvider.System) { Environment = _ => "password" };
        await using var client = factory.Create(machine);
        Assert.That(await client.GetPowerStateAsync(), Is.EqualTo(PowerState.On));
        Assert.That(server.Requests.Count("POST", "Sessions"), Is.Zero);
    }
}
