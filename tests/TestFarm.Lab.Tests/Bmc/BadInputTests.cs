using System.Net;
using System.Net.Http.Headers;
using TestFarm.Lab.Bmc;
using TestFarm.Lab.LabHost;
using TestFarm.Testing;

namespace TestFarm.Lab.Tests.Bmc;

/// <summary>Every kind of bad request gets a Redfish status and an @Message.ExtendedInfo body, never a 500.</summary>
public sealed class BadInputTests
{
    private VirtualLab _lab = null!;
    private HttpClient _http = null!;
    private VirtualBmc _bmc = null!;
    private string Sys => $"{VirtualBmc.RootPath}/Systems/1";

    [SetUp]
    public async Task StartAsync()
    {
        _lab = await VirtualLab.StartAsync(new LabOptions { SimulatedMachines = 1, Password = "lab-secret" }, [], new FakeTimeProvider());
        _bmc = _lab.Machines[0];
        _http = LabHttp.Client(_bmc.Url);
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _lab.DisposeAsync();
    }

    [TestCase("{\"ResetType\": ")]
    [TestCase("not json")]
    [TestCase("[1,2]")]
    [TestCase("")]
    public async Task Malformed_json_is_400_MalformedJSON(string body)
    {
        var response = await _http.PostAsync($"{Sys}/Actions/ComputerSystem.Reset", LabHttp.Json(body));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await LabHttp.MessageIdsAsync(response), Is.EqualTo(new[] { "Base.1.8.MalformedJSON" }));
    }

    [Test]
    public async Task Unknown_reset_type_is_400_naming_the_value_and_nothing_changes()
    {
        var response = await _http.PostAsync($"{Sys}/Actions/ComputerSystem.Reset", LabHttp.Json("""{"ResetType":"Explode"}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var body = await LabHttp.BodyAsync(response);
        Assert.That(body["error"]!["@Message.ExtendedInfo"]![0]!["MessageId"]!.GetValue<string>(), Is.EqualTo("Base.1.8.ActionParameterValueNotInList"));
        Assert.That(body["error"]!["@Message.ExtendedInfo"]![0]!["MessageArgs"]![0]!.GetValue<string>(), Is.EqualTo("\"Explode\""));
        Assert.That(_bmc.Backend.PowerState, Is.EqualTo(TestFarm.Lab.Machines.MachinePowerState.Off));
    }

    [Test]
    public async Task Missing_reset_type_is_400_ActionParameterMissing()
    {
        var response = await _http.PostAsync($"{Sys}/Actions/ComputerSystem.Reset", LabHttp.Json("{}"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await LabHttp.MessageIdsAsync(response), Is.EqualTo(new[] { "Base.1.8.ActionParameterMissing" }));
    }

    [Test]
    public async Task Patch_of_read_only_and_unknown_properties_reports_each_and_applies_nothing()
    {
        var response = await _http.PatchAsync(Sys, LabHttp.Json("""{"PowerState":"On","Colour":"red","Boot":{"BootSourceOverrideTarget":"Floppy"}}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await LabHttp.MessageIdsAsync(response), Is.EquivalentTo(new[]
        {
            "Base.1.8.PropertyNotWritable", "Base.1.8.PropertyUnknown", "Base.1.8.PropertyValueNotInList",
        }));
        Assert.That(_bmc.BootTarget, Is.EqualTo("None"));
    }

    [Test]
    public async Task Stale_if_match_is_412_and_the_current_etag_is_accepted()
    {
        var get = await _http.GetAsync(Sys);
        var etag = get.Headers.ETag!.Tag;
        Assert.That((await LabHttp.BodyAsync(get))["@odata.etag"]!.GetValue<string>(), Is.EqualTo(etag));

        await _http.PostAsync($"{Sys}/Actions/ComputerSystem.Reset", LabHttp.Json("""{"ResetType":"On"}""")); // changes the ETag
        var stale = new HttpRequestMessage(HttpMethod.Patch, Sys) { Content = LabHttp.Json("""{"Boot":{"BootSourceOverrideTarget":"Pxe"}}""") };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        var response = await _http.SendAsync(stale);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That(await LabHttp.MessageIdsAsync(response), Is.EqualTo(new[] { "Base.1.8.PreconditionFailed" }));

        var fresh = new HttpRequestMessage(HttpMethod.Patch, Sys) { Content = LabHttp.Json("""{"Boot":{"BootSourceOverrideTarget":"Pxe"}}""") };
        fresh.Headers.IfMatch.Add(new EntityTagHeaderValue(_bmc.ETag));
        var ok = await _http.SendAsync(fresh);
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_bmc.BootTarget, Is.EqualTo("Pxe"));
        Assert.That(_bmc.BootEnabled, Is.EqualTo("Once"));
    }

    [TestCase("/redfish/v1/Nowhere")]
    [TestCase("/redfish/v1/Systems/2")]
    [TestCase("/redfish/v1/Systems/1/Storage/1/Drives/Drive99")]
    public async Task Unknown_paths_are_404_ResourceNotFound(string path)
    {
        var response = await _http.GetAsync(path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await LabHttp.MessageIdsAsync(response), Is.EqualTo(new[] { "Base.1.8.ResourceNotFound" }));
    }

    [Test]
    public async Task Redfish_off_a_bmc_address_is_404_naming_it_and_wrong_method_is_405_with_redfish_bodies()
    {
        using var admin = LabHttp.Client(_lab.BaseAddress);
        var unknown = await admin.GetAsync("/redfish/v1");
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await LabHttp.MessageIdsAsync(unknown), Is.EqualTo(new[] { "Base.1.8.ResourceNotFound" }));
        Assert.That(await unknown.Content.ReadAsStringAsync(), Does.Contain("No BMC answers at 127.0.0.1"));
        var adminOnBmc = await _http.GetAsync("/lab/machines");
        Assert.That(adminOnBmc.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the lab's admin API is not on a BMC's address");
        Assert.That(await LabHttp.MessageIdsAsync(adminOnBmc), Is.EqualTo(new[] { "Base.1.8.ResourceNotFound" }));

        var delete = await _http.DeleteAsync(Sys);
        Assert.That(delete.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(await LabHttp.MessageIdsAsync(delete), Is.EqualTo(new[] { "Base.1.8.OperationNotAllowed" }));
    }

    [Test]
    public async Task Wrong_credentials_are_401_with_a_redfish_body_and_the_root_stays_open()
    {
        using var wrong = LabHttp.Client(_bmc.Url, password: "nope");
        var basic = await wrong.GetAsync(Sys);
        Assert.That(basic.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await LabHttp.MessageIdsAsync(basic), Is.EqualTo(new[] { "Base.1.8.NoValidSession" }));

        var login = await wrong.PostAsync($"{VirtualBmc.RootPath}/SessionService/Sessions", LabHttp.Json("""{"UserName":"admin","Password":"nope"}"""));
        Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await LabHttp.MessageIdsAsync(login), Is.EqualTo(new[] { "Base.1.8.ResourceAtUriUnauthorized" }));

        Assert.That((await wrong.GetAsync(VirtualBmc.RootPath)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await wrong.GetAsync(VirtualBmc.RootPath + "/")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Insert_media_without_image_or_with_a_bad_uri_is_400()
    {
        var action = $"{VirtualBmc.RootPath}/Managers/BMC/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia";
        var missing = await _http.PostAsync(action, LabHttp.Json("""{"Inserted":true}"""));
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await LabHttp.MessageIdsAsync(missing), Is.EqualTo(new[] { "Base.1.8.ActionParameterMissing" }));
        var bad = await _http.PostAsync(action, LabHttp.Json("""{"Image":"ftp:/x"}"""));
        Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await LabHttp.MessageIdsAsync(bad), Is.EqualTo(new[] { "Base.1.8.PropertyValueFormatError" }));
        var wrongType = await _http.PostAsync(action, LabHttp.Json("""{"Image":42}"""));
        Assert.That(await LabHttp.MessageIdsAsync(wrongType), Is.EqualTo(new[] { "Base.1.8.PropertyValueTypeError" }));
    }
}
