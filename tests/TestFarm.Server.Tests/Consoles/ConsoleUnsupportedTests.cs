using System.Net;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Consoles;

/// <summary>
/// A farm serving the pool file's machines with no backend: their consoles and power are answered 501 saying why (no console
/// adapter, no BMC client), never 500; the refused power action is still audited.
/// </summary>
[CancelAfter(60_000)]
public sealed class ConsoleUnsupportedTests
{
    [Test]
    public async Task Without_a_backend_the_console_and_power_say_they_are_not_supported(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") };
        var options = ServeFixture.Options(fixture.Config, storage, "serve-no-console") with { Pool = fixture.Config.Pool!.Value };
        using var api = await fixture.StartInProcessAsync(options, null, ct);

        foreach (var path in new[] { "/api/v1/machines/m1/console", "/api/v1/machines/m1/console/stream" })
        {
            var (status, problem, text, response) = await api.SendAsync(HttpMethod.Get, path, ServeFixture.ViewerSecret);
            Assert.That(status, Is.EqualTo(HttpStatusCode.NotImplemented), $"{path}: {text}");
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(problem!["detail"]!.GetValue<string>(), Does.StartWith("machine m1 has no console adapter"), text);
        }
        var (input, inputProblem, inputText, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/machines/m1/console", ServeFixture.OperatorSecret, new { input = "uname -a\n" });
        Assert.That(input, Is.EqualTo(HttpStatusCode.NotImplemented), inputText);
        Assert.That(inputProblem!["detail"]!.GetValue<string>(), Does.StartWith("machine m1 has no console adapter"), inputText);

        var (power, powerProblem, powerText, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/machines/m1/power", ServeFixture.OperatorSecret, new { action = "ForceRestart" });
        Assert.That(power, Is.EqualTo(HttpStatusCode.NotImplemented), powerText);
        Assert.That(powerProblem!["detail"]!.GetValue<string>(), Does.StartWith("machine m1: this farm runs no backend that reaches BMCs"), powerText);
        var events = (await api.GetAsync("/api/v1/machines/m1"))["events"]!.AsArray().Select(e => e!["reason"]!.GetValue<string>()).ToList();
        Assert.That(events, Has.Some.StartsWith("ForceRestart by oncall: failed (501)"));
    }
}
