using System.Text.Json;
using TestFarm.Core.Hardware;
using TestFarm.Redfish.Auth;
using TestFarm.Redfish.Inspect;
using TestFarm.Redfish.Json;
using TestFarm.Lab.Mockup;
using TestFarm.Testing;

namespace TestFarm.Redfish.Tests;

/// <summary>Every vendor fixture folder inspected through the real HTTP path on the loopback replay server.</summary>
[CancelAfter(60_000)]
public sealed class FixtureInspectTests
{
    private static async Task<InspectReport> InspectAsync(params string[] folder)
    {
        await using var server = await RedfishReplay.ServeFixtureAsync(folder);
        await using var client = RedfishReplay.Client(server);
        return await client.InspectAsync();
    }

    [Test]
    public async Task DmtfMockup_InspectsWithSystemVirtualMediaAndFirmware()
    {
        var report = await InspectAsync("dmtf-mockup", "public-rackmount1");
        var system = report.Systems.Single();
        Assert.Multiple(() =>
        {
            Assert.That(report.RedfishVersion, Is.EqualTo("1.15.0"));
            Assert.That(system.Id, Is.EqualTo("437XR1138R2"));
            Assert.That(system.Manufacturer, Is.EqualTo("Contoso"));
            Assert.That(system.PowerState, Is.EqualTo("On"));
            Assert.That(system.ProcessorCount, Is.EqualTo(2));
            Assert.That(system.MemoryGiB, Is.EqualTo(96));
            Assert.That(system.Boot, Is.EqualTo(system.Boot with { Enabled = "Once", Target = "Pxe", Mode = "UEFI" }));
            Assert.That(system.Boot.AllowedTargets, Does.Contain("UefiTarget"));
            Assert.That(system.ResetTypes, Does.Contain("PushPowerButton"));
            Assert.That(system.VirtualMediaUnder, Is.EqualTo("Systems"));
            // Two physical ports: the VLAN sub-interface and the host-to-BMC interface are not NICs.
            Assert.That(system.Nics.Select(n => n.Mac), Is.EquivalentTo(new[] { "12:44:6a:3b:04:11", "aa:bb:cc:dd:ee:00" }));
            Assert.That(system.Drives.Select(d => d.CapacityBytes), Is.EquivalentTo(new long?[] { 8_000_000_000_000, 4_000_000_000_000 }));
            Assert.That(system.Firmware, Does.Contain(new InspectFirmware("Contoso BIOS Firmware", "P79 v1.45")));
            Assert.That(report.Managers, Is.EqualTo(new[] { new InspectManager("BMC", "1.45.455b66-rev4") }));
        });
    }

    [Test]
    public async Task Sushy_InspectsWithManagerVirtualMediaAndStorageDrives()
    {
        var report = await InspectAsync("sushy", "json_samples");
        var system = report.Systems.Single();
        Assert.Multiple(() =>
        {
            Assert.That(system.VirtualMediaUnder, Is.EqualTo("Managers"));
            Assert.That(system.Boot.AllowedTargets, Does.Contain("UefiHttp"));
            Assert.That(system.Drives, Has.Count.EqualTo(3));
            Assert.That(system.Drives.Select(d => d.MediaType), Is.All.EqualTo("HDD"));
            Assert.That(system.Nics.Single().Mac, Is.EqualTo("12:44:6a:3b:04:11"));
            // A drive the storage body links but no fixture provides: a warning, not a crash.
            Assert.That(report.Warnings, Has.Some.Contains("3F5A8C54207B7233"));
        });
    }

    [Test]
    public async Task DellIdrac_InspectsLegacyModeAndWarnsForMissingLinks()
    {
        var report = await InspectAsync("dell-idrac", "bmclib");
        var system = report.Systems.Single();
        Assert.Multiple(() =>
        {
            Assert.That(report.RedfishVersion, Is.EqualTo("1.9.0"));
            Assert.That(system.Id, Is.EqualTo("System.Embedded.1"));
            Assert.That(system.Manufacturer, Is.EqualTo("Dell Inc."));
            Assert.That(system.Model, Is.EqualTo("PowerEdge R6515"));
            Assert.That(system.Boot.Mode, Is.EqualTo("Legacy"));
            Assert.That(system.ResetTypes, Does.Contain("PowerCycle"));
            Assert.That(system.VirtualMediaUnder, Is.EqualTo("none"), "the 17G manager has no VirtualMedia link and R6515 none either");
            Assert.That(report.Managers.Single(), Is.EqualTo(new InspectManager("iDRAC.Embedded.1", "1.20.50.52")));
            Assert.That(system.Firmware, Does.Contain(new InspectFirmware("BMC iDRAC.Embedded.1", "1.20.50.52")));
            Assert.That(report.Warnings, Has.Some.Contains("EthernetInterfaces"));
        });
    }

    [Test]
    public async Task DellIdrac_OldRootAndSessionsLinkOutsideSessionService()
    {
        // iDRAC 9 fw 3.34: Links.Sessions is /redfish/v1/Sessions; VirtualMedia under the manager.
        using var dir = new TempDirectory();
        RedfishReplay.Assemble(dir, "dell-idrac/sushy-oem-dell/root.json", "dell-idrac/sushy-oem-dell/system.json",
            "dell-idrac/sushy-oem-dell/manager.json", "dell-idrac/sushy-oem-dell/manager_collection.json");
        await using var server = await MockupServer.StartAsync(dir.Path, new MockupQuirks { RequireAuth = true });
        var session = new SessionAuth(new RedfishCredentials("admin", "password", "test"), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        InspectReport report;
        await using (var client = RedfishReplay.Client(server, session)) report = await client.InspectAsync();
        Assert.Multiple(() =>
        {
            Assert.That(server.Requests.Count("POST", "/redfish/v1/Sessions"), Is.EqualTo(1));
            Assert.That(server.Requests.Count("DELETE", "/redfish/v1/Sessions/"), Is.EqualTo(1), "session deleted on dispose");
            Assert.That(report.Systems.Single().Boot.Mode, Is.EqualTo("UEFI"));
            Assert.That(report.Systems.Single().VirtualMediaUnder, Is.EqualTo("Managers"));
        });
    }

    [Test]
    public async Task HpeIlo_InspectsTrailingSlashLinksAndManagerVirtualMedia()
    {
        var report = await InspectAsync("hpe-ilo", "proliantutils");
        var system = report.Systems.Single();
        Assert.Multiple(() =>
        {
            Assert.That(report.RedfishVersion, Is.EqualTo("1.0.0"));
            Assert.That(system.Uri, Is.EqualTo("/redfish/v1/Systems/1/"));
            Assert.That(system.Model, Is.EqualTo("ProLiant DL180 Gen10"));
            Assert.That(system.ResetTypes, Does.Contain("PushPowerButton").And.Not.Contain("GracefulShutdown"));
            Assert.That(system.VirtualMediaUnder, Is.EqualTo("Managers"));
            Assert.That(system.MemoryGiB, Is.EqualTo(8));
            Assert.That(report.Managers.Single().FirmwareVersion, Is.EqualTo("iLO 5 v1.15"));
        });
    }

    [Test]
    public async Task Report_SerialisesInTheIssueShape_WithDrift()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        await using var client = RedfishReplay.Client(server);
        var profile = new HardwareProfile
        {
            Name = "contoso", Arch = CpuArchitecture.Amd64, MemoryGiB = 96,
            Cpu = new CpuSpec { Vendor = "Intel", Model = "x", Sockets = 2, Cores = 8 },
            Nics = [new NicSpec { Vendor = "x", Model = "y", Driver = "ixgbe", SpeedGbps = 1, Ports = 2 }],
            Storage = [new StorageSpec { Kind = StorageKind.Hdd, SizeGB = 8000 }, new StorageSpec { Kind = StorageKind.Hdd, SizeGB = 2000 }],
            Firmware = new FirmwareSpec { Bmc = "1.45.455b66-rev4", Bios = "P80" },
        };
        var report = RedfishInspector.WithDrift(await client.InspectAsync(), HardwareDrift.Compare(profile, await client.GetInventoryAsync()));
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(report, InspectJsonContext.Default.InspectReport));
        var root = json.RootElement;
        var system = root.GetProperty("systems")[0];
        Assert.Multiple(() =>
        {
            foreach (var key in new[] { "redfishVersion", "systems", "managers", "warnings", "drift" })
                Assert.That(root.TryGetProperty(key, out _), Is.True, key);
            foreach (var key in new[] { "id", "uri", "manufacturer", "model", "powerState", "processorCount", "memoryGiB", "resetTypes", "boot", "virtualMediaUnder", "nics", "drives", "firmware" })
                Assert.That(system.TryGetProperty(key, out _), Is.True, key);
            Assert.That(system.GetProperty("boot").GetProperty("allowedTargets").GetArrayLength(), Is.EqualTo(10));
            Assert.That(report.Drift.Select(d => d.Component), Is.EquivalentTo(new[] { "drive size", "firmware.bios" }));
        });
    }
}
