using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Timeout;
using TestFarm.Core.Bmc;
using TestFarm.Redfish.Auth;
using TestFarm.Redfish.Factory;
using TestFarm.Redfish.Http;
using TestFarm.Lab.Mockup;

namespace TestFarm.Redfish.Tests;

/// <summary>What the resilience pipeline of Microsoft.Extensions.Http.Resilience adds or keeps, and the POST rule of our own.</summary>
[CancelAfter(60_000)]
public sealed class ResilienceTests
{
    private static Outcome<HttpResponseMessage> Answer(HttpStatusCode status) => Outcome.FromResult(new HttpResponseMessage(status));

    private static Outcome<HttpResponseMessage> Failure(HttpRequestError error) =>
        Outcome.FromException<HttpResponseMessage>(new HttpRequestException(error, "boom"));

    [TestCase(500, true)]
    [TestCase(502, true)]
    [TestCase(503, true)]
    [TestCase(408, true)]
    [TestCase(429, true)]
    [TestCase(400, false)]
    [TestCase(404, false)]
    [TestCase(412, false)]
    [TestCase(200, false)]
    public void IdempotentCalls_RetryOnTheLibrarysTransientAnswers(int status, bool retried)
    {
        Assert.That(RedfishResilience.ShouldRetry(HttpMethod.Get, Answer((HttpStatusCode)status)), Is.EqualTo(retried));
        Assert.That(RedfishResilience.ShouldRetry(HttpMethod.Patch, Answer((HttpStatusCode)status)), Is.EqualTo(retried));
    }

    [TestCase(503, true)]
    [TestCase(500, false)]
    [TestCase(502, false)]
    [TestCase(504, false)]
    [TestCase(408, false)]
    [TestCase(429, false)]
    public void APost_IsRetriedOnlyWhenTheBmcSaysItDidNotAct(int status, bool retried) =>
        Assert.That(RedfishResilience.ShouldRetry(HttpMethod.Post, Answer((HttpStatusCode)status)), Is.EqualTo(retried));

    [TestCase(HttpRequestError.ConnectionError, true)]
    [TestCase(HttpRequestError.NameResolutionError, true)]
    [TestCase(HttpRequestError.SecureConnectionError, true)]
    [TestCase(HttpRequestError.ResponseEnded, false)]
    [TestCase(HttpRequestError.Unknown, false)]
    public void APost_IsRetriedOnATransportError_OnlyWhenItNeverLeft(HttpRequestError error, bool retried)
    {
        Assert.That(RedfishResilience.ShouldRetry(HttpMethod.Post, Failure(error)), Is.EqualTo(retried));
        Assert.That(RedfishResilience.ShouldRetry(HttpMethod.Get, Failure(error)), Is.True, "a GET may always be repeated");
    }

    [Test]
    public void AnAttemptTimeout_IsRetriedForAGet_NotForAPost()
    {
        var timeout = Outcome.FromException<HttpResponseMessage>(new TimeoutRejectedException());
        Assert.That(RedfishResilience.ShouldRetry(HttpMethod.Get, timeout), Is.True);
        Assert.That(RedfishResilience.ShouldRetry(HttpMethod.Post, timeout), Is.False);
    }

    [Test]
    public async Task A429WithRetryAfter_IsRetried_NoSoonerThanTheBmcAsks()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        await using var client = RedfishReplay.Client(server); // RetryDelay zero: any wait is the header's
        await client.GetPowerStateAsync();
        server.Quirks.Faults.Enqueue(new MockupFault(429, null, "GET", "/Systems/437XR1138R2", RetryAfterSeconds: 1));
        var clock = Stopwatch.StartNew();
        Assert.That(await client.GetPowerStateAsync(), Is.EqualTo(PowerState.On));
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950)));
        Assert.That(server.Requests.Count("GET", "/Systems/437XR1138R2"), Is.EqualTo(3), "one before, the 429 and its retry");
    }

    [Test]
    public async Task AResetAnswered429_IsNotRepeated()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        server.Quirks.Faults.Enqueue(new MockupFault(429, null, "POST", RetryAfterSeconds: 1));
        await using var client = RedfishReplay.Client(server);
        var e = Assert.ThrowsAsync<BmcException>(() => client.ResetAsync(PowerIntent.ForceRestart));
        Assert.That(e!.HttpStatus, Is.EqualTo(429));
        Assert.That(server.Requests.Count("POST", "Reset"), Is.EqualTo(1));
    }

    [Test]
    public async Task ASessionLoginAnswered503_IsRepeated_AndTheCallSucceeds()
    {
        await using var server = await MockupServer.StartAsync(TestFarm.Testing.Fixtures.Shared("redfish", "dmtf-mockup", "public-rackmount1"),
            new MockupQuirks { RequireAuth = true });
        server.Quirks.Faults.Enqueue(new MockupFault(503, null, "POST", "/Sessions"));
        var auth = new SessionAuth(new RedfishCredentials("admin", "password", "test"), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await using var client = RedfishReplay.Client(server, auth);
        Assert.That(await client.GetPowerStateAsync(), Is.EqualTo(PowerState.On));
        Assert.That(server.Requests.Count("POST", "/Sessions"), Is.EqualTo(2));
        Assert.That(auth.Logins, Is.EqualTo(1));
    }

    [Test]
    public async Task TheCallersCancellation_IsACancellation_NotABmcError()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        await using var client = RedfishReplay.Client(server);
        await client.GetPowerStateAsync();
        server.Quirks.HoldPathContains = "/Systems/437XR1138R2";
        server.Quirks.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();
        var call = client.GetPowerStateAsync(cancel.Token);
        await server.Requests.WaitForAsync(all => all.Count(r => r.Path.Contains("/Systems/437XR1138R2", StringComparison.Ordinal)) >= 2);
        await cancel.CancelAsync();
        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());
        server.Quirks.Hold.SetResult();
    }

    [Test]
    public async Task RegisteredTwice_TheRedfishClientStillHasOnePipeline()
    {
        await using var server = await RedfishReplay.ServeFixtureAsync("dmtf-mockup", "public-rackmount1");
        for (var i = 0; i < 10; i++) server.Quirks.Faults.Enqueue(new MockupFault(500, null, "GET", "/Systems/437XR1138R2"));
        var options = RedfishReplay.FastOptions with { MaxRetries = 2, PollInterval = TimeSpan.FromMilliseconds(50) };
        await using var sp = new ServiceCollection().AddTestFarmRedfish(options).AddTestFarmRedfish(options).BuildServiceProvider();
        await using var client = sp.GetRequiredService<RedfishClientFactory>().Create(server.BaseUrl, RedfishAuth.None);
        var e = Assert.ThrowsAsync<BmcException>(() => client.GetPowerStateAsync());
        Assert.That(e!.HttpStatus, Is.EqualTo(500));
        Assert.That(server.Requests.Count("GET", "/Systems/437XR1138R2"), Is.EqualTo(3), "retries are not multiplied by a second registration");
    }
}
