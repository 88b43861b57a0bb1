using System.Text.Json.Nodes;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Lab.Mockup;
using TestFarm.Testing;

namespace TestFarm.Redfish.Tests;

/// <summary>
/// The inventory reader over real vendor payloads (CPU model, drive model and serial) and against replies beyond
/// <see cref="InventoryLimits"/>: refused with the URL and the field, before more requests are made.
/// </summary>
[CancelAfter(60_000)]
public sealed class InventoryBoundsTests
{
    [Test]
    public async Task Cpu_model_and_drive_model_and_serial_are_read_from_the_vendors_payloads()
    {
        await using (var dmtf = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1"))
        await using (var client = RedfishReplay.Client(dmtf))
        {
            var hw = await client.GetInventoryAsync();
            Assert.That(hw.CpuModel, Is.EqualTo("Multi-Core Intel(R) Xeon(R) processor 7xxx Series"), "CPU1 and CPU2 name one model; the FPGA is no CPU");
        }
        await using var sushy = await RedfishReplay.ServeFixtureAsync("sushy", "json_samples");
        await using var sushyClient = RedfishReplay.Client(sushy);
        var drives = (await sushyClient.GetInventoryAsync()).Drives;
        Assert.That(drives.Select(d => (d.Model, d.Serial)), Does.Contain(("C123", "1234570")));
    }

    private static TempDirectory System(JsonObject system, JsonObject? extra = null, string? extraName = null)
    {
        var dir = new TempDirectory();
        RedfishReplay.Add(dir, "root.json", new JsonObject
        {
            ["@odata.id"] = "/redfish/v1", ["RedfishVersion"] = "1.15.0", ["Systems"] = new JsonObject { ["@odata.id"] = "/redfish/v1/Systems" },
        });
        RedfishReplay.Add(dir, "systems.json", new JsonObject
        {
            ["@odata.id"] = "/redfish/v1/Systems", ["Members"] = new JsonArray(new JsonObject { ["@odata.id"] = "/redfish/v1/Systems/1" }),
        });
        system["@odata.id"] = "/redfish/v1/Systems/1";
        RedfishReplay.Add(dir, "system.json", system);
        if (extra is not null) RedfishReplay.Add(dir, extraName!, extra);
        return dir;
    }

    [Test]
    public async Task A_string_longer_than_the_limit_is_refused_naming_the_url_and_the_field()
    {
        using var dir = System(new JsonObject { ["Id"] = "1", ["Manufacturer"] = new string('x', InventoryLimits.MaxString + 1) });
        await using var server = await MockupServer.StartAsync(dir.Path, new MockupQuirks());
        await using var client = RedfishReplay.Client(server);
        var e = Assert.ThrowsAsync<BmcException>(() => client.GetInventoryAsync());
        Assert.That(e!.Kind, Is.EqualTo(BmcErrorKind.Protocol));
        Assert.That(e.Message, Is.EqualTo($"{server.BaseUrl.ToString().TrimEnd('/')}/redfish/v1/Systems/1: Manufacturer: {InventoryLimits.MaxString + 1} characters, at most {InventoryLimits.MaxString}"));
    }

    [Test]
    public async Task A_collection_with_more_members_than_the_limit_is_refused_before_any_member_is_read()
    {
        var members = new JsonArray([.. Enumerable.Range(0, InventoryLimits.MaxMembers + 1).Select(i => (JsonNode)new JsonObject { ["@odata.id"] = $"/redfish/v1/Systems/1/Processors/{i}" })]);
        using var dir = System(new JsonObject { ["Id"] = "1", ["Processors"] = new JsonObject { ["@odata.id"] = "/redfish/v1/Systems/1/Processors" } },
            new JsonObject { ["@odata.id"] = "/redfish/v1/Systems/1/Processors", ["Members"] = members }, "processors.json");
        await using var server = await MockupServer.StartAsync(dir.Path, new MockupQuirks());
        await using var client = RedfishReplay.Client(server);
        var e = Assert.ThrowsAsync<BmcException>(() => client.GetInventoryAsync());
        Assert.That(e!.Message, Does.StartWith($"{server.BaseUrl.ToString().TrimEnd('/')}/redfish/v1/Systems/1/Processors: Members: {InventoryLimits.MaxMembers + 1} entries, at most {InventoryLimits.MaxMembers}"));
        Assert.That(server.Requests.All.Any(r => r.Path.StartsWith("/redfish/v1/Systems/1/Processors/", StringComparison.Ordinal)), Is.False, "no member was fetched");
    }

    [Test]
    public void The_limits_name_the_first_field_beyond_them()
    {
        var ok = new ObservedHardware { Nics = [new ObservedNic { Id = "eth0", Mac = "aa:bb:cc:dd:ee:ff" }] };
        Assert.That(InventoryLimits.Violation(ok), Is.Null);
        var serial = ok with { Drives = [new ObservedDrive { Id = "sda" }, new ObservedDrive { Id = "sdb", Serial = new string('9', 300) }] };
        Assert.That(InventoryLimits.Violation(serial), Is.EqualTo("drives[1].serial: 300 characters, at most 256"));
        var many = ok with { Firmware = [.. Enumerable.Range(0, 257).Select(i => new ObservedFirmware { Name = $"f{i}", Version = "1" })] };
        Assert.That(InventoryLimits.Violation(many), Is.EqualTo("firmware: 257 items, at most 256"));
    }
}
