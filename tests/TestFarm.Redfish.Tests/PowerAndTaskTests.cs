using TestFarm.Core.Bmc;
using TestFarm.Redfish.Factory;
using TestFarm.Lab.Mockup;
using TestFarm.Testing;

namespace TestFarm.Redfish.Tests;

[CancelAfter(60_000)]
public sealed class PowerAndTaskTests
{
    private static Task<MockupServer> ServeAsync(string vendor, string folder, MockupQuirks quirks) =>
        MockupServer.StartAsync(Fixtures.Shared("redfish", vendor, folder), quirks);

    [Test]
    public async Task HpeGracefulOff_UsesPushPowerButton_AndWaitSeesTheLaggingState()
    {
        await using var server = await ServeAsync("hpe-ilo", "proliantutils", new MockupQuirks { PowerLagReads = 2 });
        await using var client = RedfishReplay.Client(server);
        await client.ResetAsync(PowerIntent.GracefulOff);
        Assert.That(await client.GetPowerStateAsync(), Is.EqualTo(PowerState.On), "the state lags the call");
        await client.WaitForPowerStateAsync(PowerState.Off, TimeSpan.FromMinutes(1));
        Assert.That(server.Requests.All.Single(r => r.Method == "POST").Body, Is.EqualTo("{\"ResetType\":\"PushPowerButton\"}"));
    }

    [Test]
    public async Task WaitForPowerState_ThrowsTimeoutAtTheDeadline_OnFakeTime()
    {
        var time = new FakeTimeProvider();
        await using var server = await ServeAsync("dmtf-mockup", "public-rackmount1", new MockupQuirks { PowerLagReads = -1 });
        await using var client = RedfishReplay.Client(server, options: RedfishReplay.FastOptions with { PollInterval = TimeSpan.FromSeconds(5) }, time: time);
        await client.ResetAsync(PowerIntent.ForceOff);
        var reads = server.Requests.All.Count;
        var wait = client.WaitForPowerStateAsync(PowerState.Off, TimeSpan.FromSeconds(30));
        await server.Requests.WaitForAsync(all => all.Count > reads); // first poll reached the BMC
        Assert.That(wait.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromSeconds(31));
        var e = Assert.ThrowsAsync<BmcException>(() => wait);
        Assert.That(e!.Kind, Is.EqualTo(BmcErrorKind.Timeout));
        Assert.That(e.Message, Does.Contain("still On"));
    }

    [Test]
    public async Task Reset202_FollowsTheTaskMonitorFromLocation()
    {
        await using var server = await ServeAsync("dmtf-mockup", "public-rackmount1", new MockupQuirks { ActionsAsTasks = true, TaskPolls = 2 });
        await using var client = RedfishReplay.Client(server);
        await client.ResetAsync(PowerIntent.ForceOff);
        Assert.That(server.Requests.Count("GET", "/TaskMonitors/"), Is.EqualTo(3), "two 202 answers, then the result");
        Assert.That(await client.GetPowerStateAsync(), Is.EqualTo(PowerState.Off));
    }

    [Test]
    public async Task Insert202_FollowsTheTaskMonitorFromTheBody()
    {
        await using var server = await ServeAsync("sushy", "json_samples", new MockupQuirks { ActionsAsTasks = true, TaskMonitorInBodyOnly = true, TaskPolls = 1 });
        await using var client = RedfishReplay.Client(server);
        await client.InsertVirtualMediaAsync(new Uri("https://10.0.0.1/boot.iso"));
        Assert.That(server.Requests.Count("GET", "/TaskMonitors/"), Is.EqualTo(2));
    }

    [Test]
    public async Task TaskThatNeverEnds_TimesOutAtTheTaskDeadline_OnFakeTime()
    {
        var time = new FakeTimeProvider();
        await using var server = await ServeAsync("dmtf-mockup", "public-rackmount1", new MockupQuirks { ActionsAsTasks = true, TaskPolls = int.MaxValue });
        var options = RedfishReplay.FastOptions with { PollInterval = TimeSpan.FromSeconds(10), TaskDeadline = TimeSpan.FromMinutes(1) };
        await using var client = RedfishReplay.Client(server, options: options, time: time);
        var reset = client.ResetAsync(PowerIntent.On);
        await server.Requests.WaitForAsync(all => all.Any(r => r.Path.Contains("/TaskMonitors/", StringComparison.Ordinal)));
        time.Advance(TimeSpan.FromMinutes(2));
        var e = Assert.ThrowsAsync<BmcException>(() => reset);
        Assert.That(e!.Kind, Is.EqualTo(BmcErrorKind.Timeout));
    }

    [Test]
    public async Task DellJobTask_RunningThenCompleted_IsFollowed()
    {
        // A Dell JID_ task (sushy-oem-dell/task.json) served as the monitor's final answer.
        await using var server = await ServeAsync("dmtf-mockup", "public-rackmount1", new MockupQuirks());
        var task = File.ReadAllText(Fixtures.Shared("redfish", "dell-idrac", "sushy-oem-dell", "task.json"));
        server.Quirks.Faults.Enqueue(new MockupFault(202, "{\"TaskMonitor\":\"/redfish/v1/TaskService/Tasks/JID_257309938313\"}", "POST"));
        server.Quirks.Faults.Enqueue(new MockupFault(200, task, "GET", "JID_"));
        var done = task.Replace("\"Starting\"", "\"Completed\"", StringComparison.Ordinal).Replace("\"Scheduled\"", "\"Completed\"", StringComparison.Ordinal);
        server.Quirks.Faults.Enqueue(new MockupFault(200, done, "GET", "JID_"));
        await using var client = RedfishReplay.Client(server);
        await client.ResetAsync(PowerIntent.On);
        Assert.That(server.Requests.Count("GET", "JID_257309938313"), Is.EqualTo(2), "Starting/Scheduled is still running");
    }
}

[CancelAfter(60_000)]
public sealed class ConcurrencyAndCapabilityTests
{
    [Test]
    public async Task CallsToOneBmc_AreBoundedByItsGate_SharedByEveryClientOfThatBmc()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        using var factory = new RedfishClientFactory(RedfishReplay.FastOptions with { MaxConcurrencyPerBmc = 2 }, TimeProvider.System);
        await using var first = factory.Create(server.BaseUrl, Auth.RedfishAuth.None);
        await using var second = factory.Create(server.BaseUrl, Auth.RedfishAuth.None);
        await first.GetPowerStateAsync(); // root and system id now known
        await second.GetPowerStateAsync();
        var before = server.Requests.Count("GET", "/Systems/437XR1138R2");
        server.Quirks.HoldPathContains = "/Systems/437XR1138R2";
        server.Quirks.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, 5).Select(i => (i % 2 == 0 ? first : second).GetPowerStateAsync()).ToList();
        await server.Requests.WaitForAsync(all => all.Count(r => r.Path.Contains("/Systems/437XR1138R2", StringComparison.Ordinal)) >= before + 2);
        Assert.That(server.Requests.Count("GET", "/Systems/437XR1138R2") - before, Is.EqualTo(2), "two calls hold both slots; the other three wait for one");
        Assert.That(calls.Count(c => c.IsCompleted), Is.Zero);
        server.Quirks.Hold.SetResult();
        Assert.That(await Task.WhenAll(calls), Is.All.EqualTo(PowerState.On));
        Assert.That(server.Requests.Count("GET", "/Systems/437XR1138R2") - before, Is.EqualTo(5));
    }

    [Test]
    public async Task DellR570_HasNoGracefulRestart_SoItIsUnsupportedWithoutAPost()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dell-idrac", "gofish");
        await using var client = RedfishReplay.Client(server);
        var e = Assert.ThrowsAsync<BmcException>(() => client.ResetAsync(PowerIntent.GracefulRestart));
        Assert.That(e!.Kind, Is.EqualTo(BmcErrorKind.Unsupported));
        Assert.That(server.Requests.All.Any(r => r.Method == "POST"), Is.False);
        await client.ResetAsync(PowerIntent.PowerCycle);
        Assert.That(server.Requests.All.Single(r => r.Method == "POST").Body, Is.EqualTo("{\"ResetType\":\"ForceRestart\"}"));
    }
}
