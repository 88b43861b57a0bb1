using TestFarm.Core.Bmc;
using TestFarm.Redfish.Http;
using TestFarm.Lab.Mockup;
using TestFarm.Testing;

namespace TestFarm.Redfish.Tests;

[CancelAfter(60_000)]
public sealed class ErrorAndRetryTests
{
    private static string Fixture(params string[] parts) => File.ReadAllText(Fixtures.Shared(["redfish", .. parts]));

    [Test]
    public async Task ErrorBodyWithExtendedInfoAsObject_IsTyped()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        var body = Fixture("sushy", "json_samples", "error_single_ext_info.json");
        server.Quirks.Faults.Enqueue(new MockupFault(400, body, "PATCH"));
        await using var client = RedfishReplay.Client(server);
        var e = Assert.ThrowsAsync<BmcException>(() => client.SetOneTimeBootAsync(BootTarget.Cd));
        Assert.Multiple(() =>
        {
            Assert.That(e!.HttpStatus, Is.EqualTo(400));
            Assert.That(e.MessageId, Is.EqualTo("Base.1.5.GeneralError"));
            Assert.That(e.RawBody, Is.EqualTo(body));
            Assert.That(e.Message, Does.Contain("unsupported media type").IgnoreCase.Or.Contain("general error").IgnoreCase);
            Assert.That(e.Uri!.AbsolutePath, Is.EqualTo("/redfish/v1/Systems/437XR1138R2"));
        });
    }

    [Test]
    public void ErrorBodies_FromEveryVendor_ParseToTheirMessageIds()
    {
        Assert.Multiple(() =>
        {
            Assert.That(RedfishErrorInfo.Parse(Fixture("sushy", "json_samples", "error.json"))!.MessageId, Is.EqualTo("Base.1.0.PropertyValueNotInList"));
            var dell = RedfishErrorInfo.Parse(Fixture("dell-idrac", "sushy-oem-dell", "error_pending_job.json"))!;
            Assert.That(dell.MessageId, Is.EqualTo("IDRAC.2.8.LC068"), "MessageArgs as a string does not break parsing");
            Assert.That(dell.ExtendedInfo, Has.Count.EqualTo(1));
            Assert.That(RedfishErrorInfo.Parse(Fixture("sushy", "json_samples", "transfer_proto_required_error.json"))!.MessageId, Is.Not.Null);
            Assert.That(RedfishErrorInfo.Parse("<html>502 Bad Gateway</html>"), Is.Null);
        });
    }

    [Test]
    public async Task SessionLimit503_IsRetried_ThenSucceeds()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        server.Quirks.Faults.Enqueue(new MockupFault(503,
            "{\"error\":{\"code\":\"IDRAC.2.4.RAC0218\",\"message\":\"The maximum number of user sessions is reached.\"}}", "GET", "/Systems/437XR1138R2"));
        await using var client = RedfishReplay.Client(server);
        Assert.That(await client.GetPowerStateAsync(), Is.EqualTo(PowerState.On));
        Assert.That(server.Requests.Count("GET", "/Systems/437XR1138R2"), Is.EqualTo(2));
    }

    [Test]
    public async Task BadRequest400_IsNotRetried()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        server.Quirks.Faults.Enqueue(new MockupFault(400, Fixture("sushy", "json_samples", "error.json"), "GET", "/Systems/437XR1138R2"));
        await using var client = RedfishReplay.Client(server);
        var e = Assert.ThrowsAsync<BmcException>(() => client.GetPowerStateAsync());
        Assert.That(e!.HttpStatus, Is.EqualTo(400));
        Assert.That(server.Requests.Count("GET", "/Systems/437XR1138R2"), Is.EqualTo(1));
    }

    [Test]
    public async Task Persistent5xx_GivesUpAfterTheConfiguredRetries()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        for (var i = 0; i < 10; i++) server.Quirks.Faults.Enqueue(new MockupFault(500, null, "GET", "/Systems/437XR1138R2"));
        await using var client = RedfishReplay.Client(server, options: RedfishReplay.FastOptions with { MaxRetries = 2 });
        var e = Assert.ThrowsAsync<BmcException>(() => client.GetPowerStateAsync());
        Assert.That(e!.HttpStatus, Is.EqualTo(500));
        Assert.That(server.Requests.Count("GET", "/Systems/437XR1138R2"), Is.EqualTo(3));
    }

    [Test]
    public async Task AResetAnswered500_IsNotRepeated_SinceTheBmcMayHaveActed()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        server.Quirks.Faults.Enqueue(new MockupFault(500, null, "POST"));
        await using var client = RedfishReplay.Client(server);
        var e = Assert.ThrowsAsync<BmcException>(() => client.ResetAsync(PowerIntent.ForceRestart));
        Assert.That(e!.HttpStatus, Is.EqualTo(500));
        Assert.That(server.Requests.Count("POST", "Reset"), Is.EqualTo(1));
    }

    [Test]
    public async Task AResetAnswered503_IsRepeated_SinceTheBmcDidNotAct()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        server.Quirks.Faults.Enqueue(new MockupFault(503, null, "POST"));
        await using var client = RedfishReplay.Client(server);
        await client.ResetAsync(PowerIntent.ForceRestart);
        Assert.That(server.Requests.Count("POST", "Reset"), Is.EqualTo(2));
    }

    [Test]
    public async Task UnreadableRoot_IsATypedError()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        for (var i = 0; i < 5; i++) server.Quirks.Faults.Enqueue(new MockupFault(404, null, "GET"));
        await using var client = RedfishReplay.Client(server);
        var e = Assert.ThrowsAsync<BmcException>(() => client.InspectAsync());
        Assert.That(e!.HttpStatus, Is.EqualTo(404));
        Assert.That(e.Uri!.AbsolutePath, Is.EqualTo("/redfish/v1"));
    }
}

[CancelAfter(60_000)]
public sealed class RequestTimeoutTests
{
    [Test]
    public async Task ACallThatHangs_TimesOutOnItsOwnTimeout_OnFakeTime()
    {
        var time = new FakeTimeProvider();
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        var options = RedfishReplay.FastOptions with { RequestTimeout = TimeSpan.FromSeconds(10), MaxRetries = 0 };
        await using var client = RedfishReplay.Client(server, options: options, time: time);
        server.Quirks.HoldPathContains = "/redfish/v1";
        server.Quirks.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var call = client.GetPowerStateAsync();
        await server.Requests.WaitForAsync(all => all.Count > 0); // the call is on the wire, its timeout armed
        time.Advance(TimeSpan.FromSeconds(11));
        var e = Assert.ThrowsAsync<BmcException>(() => call);
        server.Quirks.Hold.SetResult();
        Assert.That(e!.Kind, Is.EqualTo(BmcErrorKind.Timeout));
        Assert.That(e.Message, Does.Contain("timed out after 00:00:10"));
    }
}
