using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Npgsql;
using TestFarm.Server.Hosting;
using TestFarm.Server.Tests.Serve;
using TestFarm.Server.Tests.Webhooks;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Outage;

/// <summary>
/// <c>serve</c> on the real PostgreSQL loses its database while serving (the link to it is cut: open connections reset,
/// new ones refused) and gets it back: requests that need it answer 503 problem+json naming the database and the request
/// id (never the password), <c>/healthz</c> says the database is down, the log holds no stack trace of the outage and each
/// kind of failure once (Quartz's job store, cluster check-ins and misfire handler included), nothing crashes; once the
/// link is mended it serves again without a restart, and what was written before is still there.
/// </summary>
[CancelAfter(150_000), NonParallelizable]
public sealed class DatabaseOutageTests
{
    private const string Password = "outage-canary-pw-5b1e";

    [Test]
    public async Task Serve_answers_503_naming_the_database_while_it_is_away_logs_each_failure_once_and_resumes_when_it_is_back(CancellationToken ct)
    {
        var admin = new NpgsqlConnectionStringBuilder(Requirements.Postgres());
        var schema = "outage_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(admin.ConnectionString)) { await c.OpenAsync(ct); await new NpgsqlCommand($"CREATE SCHEMA {schema}", c).ExecuteNonQueryAsync(ct); }
        var target = new IPEndPoint(IPAddress.Parse(admin.Host == "localhost" ? "127.0.0.1" : admin.Host!), admin.Port);
        await using var proxy = new CuttableProxy(target);
        // Through the proxy, with a password the trust-authenticated server ignores but the farm must never show.
        var cs = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Port = proxy.Port, SearchPath = schema, Password = Password, Timeout = 3 }.ConnectionString;
        var place = $"postgres {target.Address}:{proxy.Port}/{admin.Database} schema {schema}";
        try
        {
            await using var fixture = new ServeFixture();
            var capture = new LogCapture();
            var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Postgres, PostgresConnection = cs }, "serve-outage");
            var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells")); // the pool's machines, no run started here
            await using var app = await FarmServer.BuildAsync(options, backend, logging: b => b.SetMinimumLevel(LogLevel.Information).AddProvider(capture), ct: ct);
            await app.StartAsync(ct);
            using var http = new HttpClient { BaseAddress = new Uri(FarmServer.BoundAddress(app)), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServeFixture.OperatorSecret);
            Assert.That((await http.GetAsync("/healthz", ct)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            using (var drained = await http.PostAsync("/api/v1/machines/m1/drain", null, ct))
                Assert.That(drained.StatusCode, Is.EqualTo(HttpStatusCode.OK), await drained.Content.ReadAsStringAsync(ct));

            await proxy.CutAsync();
            var cutAt = capture.Entries.Count;

            foreach (var (method, path) in new[] { (HttpMethod.Get, "/api/v1/machines"), (HttpMethod.Get, "/api/v1/runs"), (HttpMethod.Get, "/api/v1/leases"), (HttpMethod.Post, "/api/v1/runs") })
            {
                using var request = new HttpRequestMessage(method, path);
                if (method == HttpMethod.Post) request.Content = new StringContent("{\"plan\":\"lab-smoke\"}", System.Text.Encoding.UTF8, "application/json");
                using var response = await http.SendAsync(request, ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), $"{method} {path}: {text}");
                Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), text);
                Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)));
                var problem = JsonNode.Parse(text)!;
                Assert.That(problem["title"]!.GetValue<string>(), Is.EqualTo("Database unavailable"));
                Assert.That(problem["database"]!.GetValue<string>(), Is.EqualTo(place));
                Assert.That(problem["requestId"]!.GetValue<string>(), Is.Not.Empty);
                Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain(place).And.Contain(problem["requestId"]!.GetValue<string>()));
                Assert.That(text, Does.Not.Contain(Password).And.Not.Contain("   at "));
            }
            using (var health = await http.GetAsync("/healthz", ct))
            {
                var text = await health.Content.ReadAsStringAsync(ct);
                Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), text);
                Assert.That(text, Does.StartWith("Unhealthy: store Unhealthy: " + place));
            }

            // Quartz keeps trying its job store while the link is cut (cluster check-in every 5 s): wait until it said so.
            await Until(() => capture.Since(cutAt).Any(e => e.Category.StartsWith("Quartz", StringComparison.Ordinal) && e.Message.Contains("[database unavailable", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(40), "Quartz logged its lost database", capture, ct);
            var during = capture.Since(cutAt);
            Assert.That(during.Where(e => StoreOutage.Cause(e.Exception) is not null).Select(e => $"{e.Category}: {e.Message} ({e.Exception!.GetType().Name})"), Is.Empty,
                "no entry carries the outage's exception (and its stack trace)");
            Assert.That(during.Where(e => e.Message.Contains("\n   at ", StringComparison.Ordinal) || e.Message.Contains(Password, StringComparison.Ordinal)).Select(e => e.Message), Is.Empty);
            Assert.That(during.Where(e => e.Message.Contains("[database unavailable", StringComparison.Ordinal)).GroupBy(e => (e.Category, e.EventId))
                .Where(g => g.Count() > 1).Select(g => $"{g.Key.Category}/{g.Key.EventId} x{g.Count()}: {g.First().Message}"), Is.Empty,
                "each kind of failure is written once in the 30 s window");
            Assert.That(during.Count(e => e.Category == "TestFarm.Server.Api"), Is.EqualTo(1), "four failed requests, one line (the rest paced)");

            proxy.Mend();
            await Until(async () => (await http.GetAsync("/healthz", ct)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "healthz is OK again", capture, ct);
            using var machine = await http.GetAsync("/api/v1/machines/m1", ct);
            var body = await machine.Content.ReadAsStringAsync(ct);
            Assert.That(machine.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            Assert.That(JsonNode.Parse(body)!["machine"]!["state"]!.GetValue<string>(), Is.EqualTo("Quarantined"), "what was written before the outage is kept");
            using var runs = await http.GetAsync("/api/v1/runs", ct);
            Assert.That(runs.StatusCode, Is.EqualTo(HttpStatusCode.OK), await runs.Content.ReadAsStringAsync(ct));
            Assert.That(capture.Entries.Where(e => e.Message.Contains(Password, StringComparison.Ordinal)), Is.Empty);
            await app.StopAsync(ct);
        }
        finally
        {
            await using var c = new NpgsqlConnection(admin.ConnectionString);
            await c.OpenAsync(CancellationToken.None);
            await new NpgsqlCommand($"DROP SCHEMA {schema} CASCADE", c).ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static Task Until(Func<bool> done, TimeSpan within, string what, LogCapture capture, CancellationToken ct) =>
        Until(() => Task.FromResult(done()), within, what, capture, ct);

    /// <summary>Polls a real condition every 200 ms, failing with the log's last lines after <paramref name="within"/>.</summary>
    private static async Task Until(Func<Task<bool>> done, TimeSpan within, string what, LogCapture capture, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try { if (await done()) return; }
            catch (HttpRequestException) { }
            if (watch.Elapsed > within)
                Assert.Fail($"not within {within}: {what}\n{string.Join('\n', capture.Entries.TakeLast(30).Select(e => $"{e.Level} {e.Category}: {e.Message}"))}");
            await Task.Delay(200, ct);
        }
    }
}
