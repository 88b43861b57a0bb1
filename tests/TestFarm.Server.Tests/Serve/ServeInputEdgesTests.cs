using System.Net;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// Bad queries and bodies against a real serve: each answered with problem+json naming the field and what was wrong,
/// bounded, with no .NET type name; a reason too long to keep is refused, never stored.
/// </summary>
[CancelAfter(60_000), FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ServeInputEdgesTests
{
    private static async Task<(ServeFixture Fixture, ApiClient Api)> StartAsync(CancellationToken ct)
    {
        var fixture = new ServeFixture();
        var storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") };
        var options = ServeFixture.Options(fixture.Config, storage, "serve-edges") with { Pool = fixture.Config.Pool!.Value };
        return (fixture, await fixture.StartInProcessAsync(options, null, ct));
    }

    [TestCase("/api/v1/runs?limit=abc", "limit", "limit: must be a whole number in range, was 'abc'")]
    [TestCase("/api/v1/runs?limit=99999999999", "limit", "limit: must be a whole number in range, was '99999999999'")]
    [TestCase("/api/v1/runs?limit=1&limit=2", "limit", "limit: give it once, was given 2 times")]
    [TestCase("/api/v1/leases?all=maybe", "all", "all: must be true or false, was 'maybe'")]
    public async Task A_bad_query_value_names_the_field(string path, string field, string detail, CancellationToken ct)
    {
        var (fixture, api) = await StartAsync(ct);
        await using var owned = fixture;
        using var client = api;

        var (status, body, text, response) = await api.SendAsync(HttpMethod.Get, path, ServeFixture.ViewerSecret);

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(body!["field"]!.GetValue<string>(), Is.EqualTo(field), text);
        Assert.That(body["detail"]!.GetValue<string>(), Is.EqualTo(detail), text);
        Assert.That(text, Does.Not.Contain("Int32").And.Not.Contain("Nullable").And.Not.Contain("Boolean").And.Not.Contain("int?"));
    }

    [Test]
    public async Task A_malformed_body_names_the_place_and_a_huge_query_value_is_not_echoed(CancellationToken ct)
    {
        var (fixture, api) = await StartAsync(ct);
        await using var owned = fixture;
        using var client = api;
        var machine = fixture.Config.Pool!.Value.Machines[0].Id;

        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/drain", ServeFixture.OperatorSecret, """{"reason": 42}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(body!["field"]!.GetValue<string>(), Is.EqualTo("body"), text);
        Assert.That(body["detail"]!.GetValue<string>(), Does.StartWith("body: not the JSON this endpoint takes at $.reason"), text);
        Assert.That(text, Does.Not.Contain("ActionBody").And.Not.Contain("System."));

        var huge = new string('9', 5000);
        (status, body, text, _) = await api.SendAsync(HttpMethod.Get, $"/api/v1/runs?limit={huge}", ServeFixture.ViewerSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(body!["detail"]!.GetValue<string>(), Does.EndWith("(5000 characters)"), text);
        Assert.That(text.Length, Is.LessThan(1500), "neither the detail nor the instance echoes the whole value");
    }

    [Test]
    public async Task A_reason_too_long_to_keep_is_refused_and_not_stored(CancellationToken ct)
    {
        var (fixture, api) = await StartAsync(ct);
        await using var owned = fixture;
        using var client = api;
        var machine = fixture.Config.Pool!.Value.Machines[0].Id;

        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/drain", ServeFixture.OperatorSecret,
            new { reason = new string('x', 2_000_000) });

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), text[..Math.Min(text.Length, 500)]);
        Assert.That(body!["field"]!.GetValue<string>(), Is.EqualTo("reason"));
        Assert.That(body["detail"]!.GetValue<string>(), Is.EqualTo("reason: at most 1000 characters, was 2000000"));
        var detail = await api.GetAsync($"/api/v1/machines/{machine}");
        Assert.That(detail["machine"]!["state"]!.GetValue<string>(), Is.EqualTo("Available"), "nothing was done");
        Assert.That(detail.ToJsonString().Length, Is.LessThan(100_000), "nothing of the reason was stored");
    }
}
