using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TestFarm.Lab.Bmc;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;
using TestFarm.Testing;

namespace TestFarm.Lab.Tests.Bmc;

/// <summary>Fault knobs, set through the admin endpoint, change what the virtual BMC answers.</summary>
public sealed class FaultKnobTests
{
    private FakeTimeProvider _time = null!;
    private VirtualLab _lab = null!;
    private HttpClient _http = null!;
    private HttpClient _admin = null!;
    private VirtualBmc _bmc = null!;
    private string Sys => $"{VirtualBmc.RootPath}/Systems/1";

    [SetUp]
    public async Task StartAsync()
    {
        _time = new FakeTimeProvider();
        _lab = await VirtualLab.StartAsync(new LabOptions { SimulatedMachines = 2, Password = "lab-secret" }, [DefaultProfiles.GenericAmd64], _time);
        _bmc = _lab.Machines[0];
        _http = LabHttp.Client(_bmc.Url, timeout: TimeSpan.FromSeconds(10));
        _admin = LabHttp.Client(_lab.BaseAddress, timeout: TimeSpan.FromSeconds(10));
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        _admin.Dispose();
        await _lab.DisposeAsync();
    }

    private async Task SetFaultsAsync(string json)
    {
        var response = await _admin.PutAsync($"/lab/machines/{_bmc.Id}/faults", LabHttp.Json(json));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Error_rate_one_answers_every_request_with_the_configured_5xx_and_zero_restores()
    {
        await SetFaultsAsync("""{"errorRate":1,"errorStatus":503}""");
        var failed = await _http.GetAsync(Sys);
        Assert.That(failed.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(await LabHttp.MessageIdsAsync(failed), Is.EqualTo(new[] { "Base.1.8.InternalError" }));
        using (var other = LabHttp.Client(_lab.Machines[1].Url))
            Assert.That((await other.GetAsync(Sys)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "other BMCs unaffected");
        await SetFaultsAsync("""{"errorRate":0}""");
        Assert.That((await _http.GetAsync(Sys)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Latency_holds_the_answer_until_the_lab_clock_moves()
    {
        await SetFaultsAsync("""{"latency":"00:00:05"}""");
        var pending = _http.GetAsync(Sys);
        await Task.Yield();
        Assert.That(pending.IsCompleted, Is.False);
        // The request travels over real loopback HTTP before it reaches the lab's timer: advance, then
        // give the real I/O a bounded moment, a few times at most.
        for (var i = 0; i < 100 && !pending.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            await Task.WhenAny(pending, Task.Delay(50));
        }
        Assert.That((await pending).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Timeout_rate_one_never_answers_so_the_client_times_out()
    {
        await SetFaultsAsync("""{"timeoutRate":1}""");
        using var quick = LabHttp.Client(_bmc.Url, timeout: TimeSpan.FromMilliseconds(500));
        Assert.That(async () => await quick.GetAsync(Sys), Throws.InstanceOf<TaskCanceledException>());
    }

    [Test]
    public async Task Power_stuck_accepts_the_reset_but_the_power_state_stays()
    {
        await SetFaultsAsync("""{"powerStuck":true}""");
        var reset = await _http.PostAsync($"{Sys}/Actions/ComputerSystem.Reset", LabHttp.Json("""{"ResetType":"On"}"""));
        Assert.That(reset.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var body = await LabHttp.BodyAsync(await _http.GetAsync(Sys));
        Assert.That(body["PowerState"]!.GetValue<string>(), Is.EqualTo("Off"));
    }

    [Test]
    public async Task Boot_override_ignored_accepts_the_patch_but_reads_back_unchanged()
    {
        await SetFaultsAsync("""{"bootOverrideIgnored":true}""");
        var patch = await _http.PatchAsync(Sys, LabHttp.Json("""{"Boot":{"BootSourceOverrideTarget":"Pxe","BootSourceOverrideEnabled":"Once"}}"""));
        Assert.That(patch.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var boot = (await LabHttp.BodyAsync(await _http.GetAsync(Sys)))["Boot"]!;
        Assert.That(boot["BootSourceOverrideTarget"]!.GetValue<string>(), Is.EqualTo("None"));
    }

    [Test]
    public async Task Missing_nic_and_drive_drop_out_of_the_inventory()
    {
        var nicsBefore = await MemberCountAsync($"{Sys}/EthernetInterfaces");
        var drivesBefore = (await LabHttp.BodyAsync(await _http.GetAsync($"{Sys}/Storage/1")))["Drives@odata.count"]!.GetValue<int>();
        Assert.That((nicsBefore, drivesBefore), Is.EqualTo((4, 6)), "GenericAmd64: 2x2 ports, 2 OS + 4 OSD drives");
        await SetFaultsAsync("""{"missingNics":1,"missingDrives":2}""");
        Assert.That(await MemberCountAsync($"{Sys}/EthernetInterfaces"), Is.EqualTo(3));
        Assert.That((await LabHttp.BodyAsync(await _http.GetAsync($"{Sys}/Storage/1")))["Drives@odata.count"]!.GetValue<int>(), Is.EqualTo(4));
        Assert.That((await _http.GetAsync($"{Sys}/EthernetInterfaces/NIC4")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Session_limit_turns_the_next_login_into_503_SessionLimitExceeded()
    {
        await SetFaultsAsync("""{"sessionLimit":1}""");
        var login = LabHttp.Json("""{"UserName":"admin","Password":"lab-secret"}""");
        var first = await _http.PostAsync($"{VirtualBmc.RootPath}/SessionService/Sessions", login);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(first.Headers.GetValues("X-Auth-Token").Single(), Is.Not.Empty);
        var second = await _http.PostAsync($"{VirtualBmc.RootPath}/SessionService/Sessions", LabHttp.Json("""{"UserName":"admin","Password":"lab-secret"}"""));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(await LabHttp.MessageIdsAsync(second), Is.EqualTo(new[] { "Base.1.8.SessionLimitExceeded" }));
    }

    [Test]
    public async Task Out_of_range_faults_are_refused_naming_the_field()
    {
        var response = await _admin.PutAsync($"/lab/machines/{_bmc.Id}/faults", LabHttp.Json("""{"errorRate":2}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("errorRate must be within 0..1, was 2"));
    }

    [Test]
    public async Task Pulling_a_drive_and_taking_a_nic_down_show_in_redfish_and_are_reversible()
    {
        Assert.That((await _admin.PostAsync($"/lab/machines/{_bmc.Id}/drives/Drive3/pull", null)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await _http.GetAsync($"{Sys}/Storage/1/Drives/Drive3")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await _admin.PostAsync($"/lab/machines/{_bmc.Id}/drives/Drive3/insert", null)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await _http.GetAsync($"{Sys}/Storage/1/Drives/Drive3")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        Assert.That((await _admin.PostAsync($"/lab/machines/{_bmc.Id}/nics/NIC2/down", null)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var nic = await LabHttp.BodyAsync(await _http.GetAsync($"{Sys}/EthernetInterfaces/NIC2"));
        Assert.That(nic["LinkStatus"]!.GetValue<string>(), Is.EqualTo("LinkDown"));
        Assert.That(((SimulatedMachine)_bmc.Backend).LinksDown, Is.EqualTo(new[] { 1 }));
        Assert.That((await _admin.PostAsync($"/lab/machines/{_bmc.Id}/nics/NIC9/down", null)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Admin_list_shows_power_and_phase_of_every_machine()
    {
        var list = await _admin.GetFromJsonAsync($"/lab/machines", LabJsonContext.Default.ListLabMachineInfo);
        Assert.That(list, Is.Not.Null);
        Assert.That(list!.Select(m => m.Id), Is.EqualTo(new[] { "sim-0001", "sim-0002" }));
        Assert.That(list![0].PowerState, Is.EqualTo("Off"));
        Assert.That(list![0].ProvisioningMac, Is.EqualTo(_bmc.ProvisioningMac));
        Assert.That(list.Select(m => m.RedfishRoot), Is.EqualTo(new[]
        {
            $"http://127.0.100.1:{_lab.BaseAddress.Port}/redfish/v1", $"http://127.0.100.2:{_lab.BaseAddress.Port}/redfish/v1",
        }), "each BMC on its own address of the default BMC network, all on the lab's port");
    }

    private async Task<int> MemberCountAsync(string path) =>
        (await LabHttp.BodyAsync(await _http.GetAsync(path)))["Members"]!.AsArray().Count;
}
