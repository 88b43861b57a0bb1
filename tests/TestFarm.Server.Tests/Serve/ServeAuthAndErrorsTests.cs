using System.Net;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Serve;

/// <summary>Token roles, problem bodies that name the URL and field, the OpenAPI document, health, operator actions.</summary>
[CancelAfter(60_000), FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ServeAuthAndErrorsTests
{
    private static async Task<(ServeFixture Fixture, ApiClient Api)> StartAsync(bool withBackend, CancellationToken ct)
    {
        var fixture = new ServeFixture();
        var storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") };
        var options = ServeFixture.Options(fixture.Config, storage, "serve-t") with { Pool = fixture.Config.Pool!.Value };
        var api = await fixture.StartInProcessAsync(options, withBackend ? new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells")) : null, ct);
        return (fixture, api);
    }

    [Test]
    public async Task No_or_unknown_token_is_401_and_a_low_role_is_403_each_with_a_problem_body(CancellationToken ct)
    {
        var (fixture, api) = await StartAsync(withBackend: false, ct);
        await using var owned = fixture;
        using var client = api;

        var (status, body, text, response) = await api.SendAsync(HttpMethod.Get, "/api/v1/pool", null);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.Contain("Bearer"));
        Assert.That(body!["detail"]!.GetValue<string>(), Does.Contain("Authorization: Bearer"), text);

        (status, body, text, _) = await api.SendAsync(HttpMethod.Get, "/api/v1/pool", "not-a-token");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(body!["detail"]!.GetValue<string>(), Does.Contain("not known"), text);

        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.ViewerSecret, new { plan = "lab-smoke" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(body!["detail"]!.GetValue<string>(), Does.Contain("'dashboard' has role Viewer; this needs Operator"), text);

        (status, _, text, _) = await api.SendAsync(HttpMethod.Get, "/api/v1/tokens", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), text);
        var tokens = await api.GetAsync("/api/v1/tokens", ServeFixture.AdminSecret);
        Assert.That(tokens.AsArray().Select(t => t!["name"]!.GetValue<string>()), Is.EquivalentTo(new[] { "dashboard", "oncall", "root" }));
        Assert.That(tokens.ToJsonString(), Does.Not.Contain(TestFarm.Server.Auth.TokenAuthenticator.Hash(ServeFixture.AdminSecret)), "hashes are never served");
    }

    [Test]
    public async Task Health_metrics_and_the_OpenAPI_document_are_served(CancellationToken ct)
    {
        var (fixture, api) = await StartAsync(withBackend: false, ct);
        await using var owned = fixture;
        using var client = api;

        var (status, _, health, _) = await api.SendAsync(HttpMethod.Get, "/healthz", null);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), health);
        Assert.That(health, Does.StartWith("Healthy: store Healthy: sqlite "));
        var (docStatus, doc, docText, _) = await api.SendAsync(HttpMethod.Get, "/openapi/v1.json", null);
        Assert.That(docStatus, Is.EqualTo(HttpStatusCode.OK), docText);
        var paths = doc!["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.That(paths, Is.SupersetOf(new[] { "/api/v1/pool", "/api/v1/machines/{id}", "/api/v1/machines/{id}/drain", "/api/v1/queue", "/api/v1/runs", "/api/v1/runs/{id}", "/api/v1/runs/{id}/cancel", "/api/v1/leases" }));
        Assert.That(doc["paths"]!["/api/v1/runs"]!["post"]!["operationId"]!.GetValue<string>(), Is.EqualTo("TriggerRun"));
        var (_, _, metrics, _) = await api.SendAsync(HttpMethod.Get, "/metrics", null);
        Assert.That(metrics, Does.Contain("testfarm_machines{profile=\"epyc-9354-e810\",state=\"Available\"} 2"));
    }

    [Test]
    public async Task Bad_requests_name_the_field_or_URL(CancellationToken ct)
    {
        var (fixture, api) = await StartAsync(withBackend: true, ct);
        await using var owned = fixture;
        using var client = api;
        const string op = ServeFixture.OperatorSecret;

        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", op, new { plan = "no-such-plan" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), text);
        Assert.That(body!["field"]!.GetValue<string>(), Is.EqualTo("plan"));
        Assert.That(body["detail"]!.GetValue<string>(), Does.Contain("no plan 'no-such-plan'; known: lab-smoke"));

        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", op, "{}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(body!["field"]!.GetValue<string>(), Is.EqualTo("plan"));

        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", op, "{\"plan\": 12}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(body!["field"]!.GetValue<string>(), Is.EqualTo("plan"), text);

        (status, body, text, _) = await api.SendAsync(HttpMethod.Get, "/api/v1/runs?limit=0", ServeFixture.ViewerSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(body!["field"]!.GetValue<string>(), Is.EqualTo("limit"));

        (status, body, text, _) = await api.SendAsync(HttpMethod.Get, "/api/v1/runs/nope", ServeFixture.ViewerSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), text);
        Assert.That(body!["instance"]!.GetValue<string>(), Is.EqualTo("/api/v1/runs/nope"));
        (status, _, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs/nope/cancel", op);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), text);
        (status, body, text, _) = await api.SendAsync(HttpMethod.Get, "/api/v1/machines/m9", ServeFixture.ViewerSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), text);
        Assert.That(body!["detail"]!.GetValue<string>(), Does.Contain("/api/v1/machines/m9: no machine 'm9'"));
    }

    [Test]
    public async Task Without_a_backend_a_trigger_is_refused_with_how_to_get_one(CancellationToken ct)
    {
        var (fixture, api) = await StartAsync(withBackend: false, ct);
        await using var owned = fixture;
        using var client = api;
        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "lab-smoke" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), text);
        Assert.That(body!["detail"]!.GetValue<string>(), Does.Contain("--boot-listen and --image (the pool's machines) or --lab"));
    }

    [Test]
    public async Task Drain_repair_and_retire_move_machines_and_illegal_moves_are_409(CancellationToken ct)
    {
        var (fixture, api) = await StartAsync(withBackend: false, ct);
        await using var owned = fixture;
        using var client = api;
        const string op = ServeFixture.OperatorSecret;

        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/machines/m1/drain", op, new { reason = "fan noise" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(body!["state"]!.GetValue<string>(), Is.EqualTo("Quarantined"));
        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/machines/m1/drain", op);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict), text);
        Assert.That(body!["detail"]!.GetValue<string>(), Does.Contain("m1 is Quarantined").And.Contain("allowed only from Available, Suspect"));
        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/machines/m1/repair", op);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(body!["state"]!.GetValue<string>(), Is.EqualTo("Cleaning"));
        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/machines/m2/retire", op);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        (status, _, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/machines/m2/repair", op);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict), text);
        (status, _, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/machines/m2/drain", ServeFixture.ViewerSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), text);

        var m1 = await api.GetAsync("/api/v1/machines/m1");
        var health = m1["health"]!.AsArray().Select(e => $"{e!["from"]}->{e["to"]}: {e["reason"]}").ToList();
        Assert.That(health, Is.EqualTo(new[] { "Available->Quarantined: drain by oncall: fan noise", "Quarantined->Cleaning: repair by oncall" }));
        var pool = await api.GetAsync("/api/v1/pool");
        Assert.That(pool["byState"]!["Retired"]!.GetValue<int>(), Is.EqualTo(1));
    }
}
