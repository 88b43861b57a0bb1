using System.Text.Json.Nodes;
using TestFarm.Core.Bmc;
using TestFarm.Lab.Mockup;
using TestFarm.Testing;

namespace TestFarm.Redfish.Tests;

[CancelAfter(60_000)]
public sealed class BootOverrideTests
{
    private static Task<MockupServer> DmtfAsync(MockupQuirks quirks) =>
        MockupServer.StartAsync(Fixtures.Shared("redfish", "dmtf-mockup", "public-rackmount1"), quirks);

    [Test]
    public async Task SetOnce_PatchesAndVerifies()
    {
        await using var server = await DmtfAsync(new MockupQuirks());
        await using var client = RedfishReplay.Client(server);
        await client.SetOneTimeBootAsync(BootTarget.Cd);
        var after = await client.GetBootOverrideAsync();
        Assert.That((after.Enabled, after.Target), Is.EqualTo(("Once", "Cd")));
        var patch = server.Requests.All.Single(r => r.Method == "PATCH");
        Assert.That(patch.Body, Does.Not.Contain("BootSourceOverrideMode"), "mode is only sent when it must change");
    }

    [Test]
    public async Task Precondition412_ThenSuccessWithAFreshETag()
    {
        await using var server = await DmtfAsync(new MockupQuirks { RequireIfMatch = true, StalePatches = 1 });
        await using var client = RedfishReplay.Client(server);
        await client.SetOneTimeBootAsync(BootTarget.Hdd);
        var patches = server.Requests.All.Where(r => r.Method == "PATCH").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(patches, Has.Count.EqualTo(2));
            Assert.That(patches[0].IfMatch, Is.EqualTo("W/\"gen-1\""));
            Assert.That(patches[1].IfMatch, Is.EqualTo("W/\"gen-2\""), "the retry re-read the ETag");
        });
        Assert.That((await client.GetBootOverrideAsync()).Target, Is.EqualTo("Hdd"));
    }

    [Test]
    public async Task SingleQuotedETagHeader_IsNormalisedBeforeIfMatch()
    {
        // sushy session_creation_headers.json: ETag: 'W/"7dc5e2b9"'
        await using var server = await DmtfAsync(new MockupQuirks { RequireIfMatch = true, ETagHeaderFormat = "'{0}'" });
        await using var client = RedfishReplay.Client(server);
        await client.SetOneTimeBootAsync(BootTarget.Pxe);
        Assert.That(server.Requests.All.Count(r => r.Method == "PATCH"), Is.EqualTo(1));
    }

    [Test]
    public async Task HpeBodyETag_IsUsedWhenThereIsNoHeader()
    {
        await using var server = await MockupServer.StartAsync(Fixtures.Shared("redfish", "hpe-ilo", "proliantutils"),
            new MockupQuirks { ETagHeader = false, RequireIfMatch = true });
        await using var client = RedfishReplay.Client(server);
        await client.SetOneTimeBootAsync(BootTarget.Cd);
        var patch = server.Requests.All.Single(r => r.Method == "PATCH");
        Assert.That(patch.IfMatch, Is.EqualTo("W/\"gen-1\""));
        Assert.That(patch.Path, Is.EqualTo("/redfish/v1/Systems/1/"));
    }

    [Test]
    public async Task SilentlyIgnoredOverride_IsReportedAsItsOwnError()
    {
        await using var server = await DmtfAsync(new MockupQuirks { IgnoreBootOverride = true });
        await using var client = RedfishReplay.Client(server);
        var e = Assert.ThrowsAsync<BmcException>(() => client.SetOneTimeBootAsync(BootTarget.Cd));
        Assert.That(e!.Kind, Is.EqualTo(BmcErrorKind.OverrideIgnored));
        Assert.That(e.Message, Does.Contain("BootSourceOverrideTarget=Pxe (wanted Cd)"));
    }

    [Test]
    public async Task UnofferedTarget_IsUnsupported_WithoutPatching()
    {
        await using var server = await DmtfAsync(new MockupQuirks());
        await using var client = RedfishReplay.Client(server);
        var e = Assert.ThrowsAsync<BmcException>(() => client.SetOneTimeBootAsync(BootTarget.UefiHttp));
        Assert.That(e!.Kind, Is.EqualTo(BmcErrorKind.Unsupported));
        Assert.That(server.Requests.All.Any(r => r.Method == "PATCH"), Is.False);
    }

    [Test]
    public async Task SettingsObject_GetsThePropertiesItExposes_TheSystemTheRest()
    {
        // Dell settings object exposing only BootSourceOverrideMode (sushy settings-body-bootsourceoverridemode-only.json).
        using var dir = new TempDirectory();
        RedfishReplay.Assemble(dir, "dell-idrac/bmclib/serviceroot.json", "dell-idrac/bmclib/systems.json",
            "dell-idrac/bmclib/system.embedded.1.R6515.json", "sushy/json_samples/settings-body-bootsourceoverridemode-only.json");
        var system = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "dell-idrac_bmclib_system.embedded.1.R6515.json")))!;
        system["@Redfish.Settings"] = new JsonObject { ["SettingsObject"] = new JsonObject { ["@odata.id"] = "/redfish/v1/Systems/System.Embedded.1/Settings" } };
        RedfishReplay.Add(dir, "dell-idrac_bmclib_system.embedded.1.R6515.json", system);
        await using var server = await MockupServer.StartAsync(dir.Path, new MockupQuirks());
        await using var client = RedfishReplay.Client(server);
        await client.SetOneTimeBootAsync(BootTarget.Pxe, BootModeRequest.Uefi);
        var patches = server.Requests.All.Where(r => r.Method == "PATCH").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(patches.Single(p => p.Path.EndsWith("/Settings", StringComparison.Ordinal)).Body, Does.Contain("\"BootSourceOverrideMode\":\"UEFI\"").And.Not.Contain("Target"));
            Assert.That(patches.Single(p => p.Path.EndsWith("System.Embedded.1", StringComparison.Ordinal)).Body, Does.Contain("\"BootSourceOverrideTarget\":\"Pxe\"").And.Not.Contain("Mode"));
        });
    }
}
