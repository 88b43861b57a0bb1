using TestFarm.Core.Bmc;
using TestFarm.Lab.Mockup;
using TestFarm.Testing;

namespace TestFarm.Redfish.Tests;

[CancelAfter(60_000)]
public sealed class VirtualMediaTests
{
    private static readonly Uri Image = new("http://10.0.0.1/images/boot.iso");

    [Test]
    public async Task DmtfMediaWithoutActions_IsUnsupported_NotACrash()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        await using var client = RedfishReplay.Client(server);
        var e = Assert.ThrowsAsync<BmcException>(() => client.InsertVirtualMediaAsync(Image));
        Assert.That(e!.Kind, Is.EqualTo(BmcErrorKind.Unsupported));
        Assert.That(e.Message, Does.Contain("InsertMedia"));
    }

    [Test]
    public async Task HpeOemOnlyMedia_IsUnsupported_AndSaysSo()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("hpe-ilo", "proliantutils");
        await using var client = RedfishReplay.Client(server);
        var e = Assert.ThrowsAsync<BmcException>(() => client.InsertVirtualMediaAsync(Image));
        Assert.That(e!.Kind, Is.EqualTo(BmcErrorKind.Unsupported));
        Assert.That(e.Message, Does.Contain("OEM"));
        Assert.That(server.Requests.All.Any(r => r.Method == "POST"), Is.False);
    }

    [Test]
    public async Task DellSystemMedia_InsertsWithTransferProtocolAndMethod_ThenEjects()
    {
        using var dir = new TempDirectory();
        RedfishReplay.Assemble(dir, "dell-idrac/bmclib/serviceroot.json", "dell-idrac/bmclib/systems.json",
            "dell-idrac/bmclib/system.embedded.1.R660-virtualmedia-link.json", "dell-idrac/bmclib/systems.virtualmedia_collection.json",
            "dell-idrac/bmclib/systems.virtualmedia_1.json", "dell-idrac/bmclib/systems.virtualmedia_2.json");
        await using var server = await MockupServer.StartAsync(dir.Path, new MockupQuirks());
        await using var client = RedfishReplay.Client(server);
        await client.InsertVirtualMediaAsync(Image);
        var insert = server.Requests.All.Single(r => r.Method == "POST");
        var device = insert.Path[..insert.Path.IndexOf("/Actions/", StringComparison.Ordinal)];
        bool Inserted() => server.Handler.Resources.Find(device)!.Body["Inserted"]!.GetValue<bool>();
        Assert.Multiple(() =>
        {
            Assert.That(insert.Path, Does.Match("^/redfish/v1/Systems/System.Embedded.1/VirtualMedia/[12]/Actions/VirtualMedia.InsertMedia$"));
            Assert.That(insert.Body, Does.Contain("\"TransferProtocolType\":\"HTTP\"").And.Contain("\"TransferMethod\":\"Stream\"").And.Contain(Image.ToString()));
            Assert.That(Inserted(), Is.True);
        });
        await client.EjectVirtualMediaAsync();
        Assert.That(server.Requests.All.Last(r => r.Method == "POST").Path, Is.EqualTo(device + "/Actions/VirtualMedia.EjectMedia"));
        Assert.That(Inserted(), Is.False);
    }

    [Test]
    public async Task SushyManagerMedia_InsertsWithoutOptionalParameters()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("sushy", "json_samples");
        await using var client = RedfishReplay.Client(server);
        await client.InsertVirtualMediaAsync(Image);
        var insert = server.Requests.All.Single(r => r.Method == "POST");
        Assert.That(insert.Path, Does.StartWith("/redfish/v1/Managers/BMC/VirtualMedia/"));
        Assert.That(insert.Body, Does.Not.Contain("TransferProtocolType"));
    }
}
