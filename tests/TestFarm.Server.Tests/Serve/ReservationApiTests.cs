using System.Net;
using System.Text.Json.Nodes;
using TestFarm.Storage;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// <c>/api/v1/reservations</c> on <c>testfarm serve</c> with the lab's simulated machines (SQLite): a person reserves two
/// machines, they are reimaged and Ready; a second person waits for the last ones with a reason; extend, release, the
/// machines go through Cleaning to Available and the audit log has every step; a restart keeps the reservation and its
/// deadline; each bad input is refused naming its field.
/// </summary>
[CancelAfter(180_000), NonParallelizable]
public sealed class ReservationApiTests
{
    private static string State(JsonNode r) => r["state"]!.GetValue<string>();

    [Test]
    public async Task Reserve_two_wait_ready_a_second_person_waits_extend_release_cleaning_then_available_and_every_step_audited(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var backend = await fixture.LabAsync(ct);
        var db = Path.Combine(fixture.Root, "farm.db");
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = db }, "serve-a");
        using var api = await fixture.StartAsync(options, backend, ct);

        var (status, body, text, response) = await api.SendAsync(HttpMethod.Post, "/api/v1/reservations", ServeFixture.OperatorSecret,
            new { profile = "epyc-9354-e810", count = 2, duration = "01:00:00", reason = "debug the e810 link flaps" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), text);
        var id = body!["id"]!.GetValue<string>();
        Assert.That(State(body), Is.EqualTo("Queued"));
        Assert.That(response.Headers.Location!.ToString(), Is.EqualTo($"/api/v1/reservations/{id}"));

        var ready = await api.WaitUntilAsync($"/api/v1/reservations/{id}", r => State(r) is "Ready" or "Ended", TimeSpan.FromSeconds(90), ct);
        Assert.That(State(ready), Is.EqualTo("Ready"), ready.ToJsonString());
        Assert.That(ready["owner"]!.GetValue<string>(), Is.EqualTo("oncall"));
        Assert.That(ready["reason"]!.GetValue<string>(), Is.EqualTo("debug the e810 link flaps"));
        var machines = ready["machines"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToList();
        Assert.That(machines, Has.Count.EqualTo(2));
        Assert.That(ready["machines"]![0]!["bmc"]!.GetValue<string>(), Does.StartWith("http://127."), "each machine's BMC address");
        var expires = ready["expiresAt"]!.GetValue<DateTimeOffset>();
        Assert.That(expires - ready["readyAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(TimeSpan.FromHours(1)));
        Assert.That(ready["warning"]!.GetValue<bool>(), Is.False);
        foreach (var m in machines)
            Assert.That((await api.GetAsync($"/api/v1/machines/{m}"))["machine"]!["state"]!.GetValue<string>(), Is.EqualTo("InUse"));

        // The last machine is free, the second person asks for two: Queued, with where it stands and why.
        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/reservations", ServeFixture.AdminSecret,
            new { profile = "epyc-9354-e810", count = 2, reason = "second look" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), text);
        var second = body!["id"]!.GetValue<string>();
        var waiting = await api.GetAsync($"/api/v1/reservations/{second}");
        Assert.That(State(waiting), Is.EqualTo("Queued"));
        Assert.That(waiting["duration"]!.GetValue<string>(), Is.EqualTo("02:00:00"), "the default duration");
        Assert.That(waiting["queue"]!["position"]!.GetValue<int>(), Is.EqualTo(1), waiting.ToJsonString());
        Assert.That(waiting["queue"]!["blocking"]!.GetValue<string>(), Does.Contain("needs 2× node").And.Contain("(1 free)"));

        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/reservations/{id}/extend", ServeFixture.OperatorSecret, new { duration = "00:30:00" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(body!["expiresAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(expires + TimeSpan.FromMinutes(30)));
        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/reservations/{id}/extend", ServeFixture.OperatorSecret, new { duration = "07:00:00" });
        Assert.That((status, body!["field"]!.GetValue<string>()), Is.EqualTo((HttpStatusCode.UnprocessableEntity, "duration")), text);
        Assert.That(text, Does.Contain("over the policy cap"));

        (status, _, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/reservations/{id}/release", ServeFixture.ViewerSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), text);
        (status, _, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/reservations/{id}/release", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var ended = await api.WaitUntilAsync($"/api/v1/reservations/{id}", r => State(r) == "Ended", TimeSpan.FromSeconds(60), ct);
        Assert.That(ended["endReason"]!.GetValue<string>(), Is.EqualTo("released by oncall"));

        // The released machines go to the one who waited.
        var got = await api.WaitUntilAsync($"/api/v1/reservations/{second}", r => State(r) is "Ready" or "Ended", TimeSpan.FromSeconds(90), ct);
        Assert.That(State(got), Is.EqualTo("Ready"), got.ToJsonString());
        (status, _, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/reservations/{second}/release", ServeFixture.AdminSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        await api.WaitUntilAsync($"/api/v1/reservations/{second}", r => State(r) == "Ended", TimeSpan.FromSeconds(60), ct);

        Assert.That((await api.GetAsync("/api/v1/pool"))["byState"]!["Available"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That((await api.GetAsync("/api/v1/reservations")).AsArray(), Is.Empty, "no open reservation left");
        Assert.That((await api.GetAsync("/api/v1/reservations?all=true")).AsArray(), Has.Count.EqualTo(2));
        foreach (var m in machines)
        {
            var events = (await api.GetAsync($"/api/v1/machines/{m}"))["events"]!.AsArray();
            var moves = events.Where(e => e!["kind"]!.GetValue<string>() == "machine").Select(e => e!["to"]!.GetValue<string>()).ToList();
            Assert.That(moves.SkipWhile(s => s == "Available").Take(5), Is.EqualTo(new[] { "Reserved", "Provisioning", "InUse", "Cleaning", "Available" }), m);
            var listed = events.Where(e => e!["kind"]!.GetValue<string>() == "reservation").ToList();
            Assert.That(listed.Select(e => e!["reason"]!.GetValue<string>()), Has.Some.StartsWith($"reservation {id} of oncall"), $"machine {m}'s events list the reservation");
        }
        var audit = await ReadAuditAsync(db, id);
        Assert.That(audit.Select(a => a.To), Is.EqualTo(new[] { "Queued", "Provisioning", "Ready", "Ready", "Releasing", "Ended" }));
        Assert.That(audit[0].Reason, Does.StartWith("asked by oncall: 2× epyc-9354-e810 for 01:00:00"));
        Assert.That(audit[3].Reason, Is.EqualTo("extended by 00:30:00 by oncall"));
        Assert.That(audit[4].Reason, Is.EqualTo("released by oncall"));
        var holds = await HoldAudit.RunAsync(new SqliteDialect(db), ct);
        Assert.That(holds.Clean, Is.True, string.Join("; ", holds.Problems));
    }

    [Test]
    public async Task A_restart_keeps_the_reservation_its_machines_and_its_deadline(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var backend = await fixture.LabAsync(ct);
        var db = Path.Combine(fixture.Root, "farm.db");
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = db }, "serve-a");
        JsonNode ready;
        string id;
        using (var api = await fixture.StartAsync(options, backend, ct))
        {
            var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/reservations", ServeFixture.OperatorSecret,
                new { profile = "epyc-9354-e810", count = 1, duration = "00:20:00", reason = "restart check" });
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created), text);
            id = body!["id"]!.GetValue<string>();
            ready = await api.WaitUntilAsync($"/api/v1/reservations/{id}", r => State(r) is "Ready" or "Ended", TimeSpan.FromSeconds(90), ct);
            Assert.That(State(ready), Is.EqualTo("Ready"), ready.ToJsonString());
            Assert.That(ready["warning"]!.GetValue<bool>(), Is.False, "20 minutes left is before the 15-minute warning");
            await api.App.StopAsync(ct);
        }
        using var again = await fixture.StartAsync(options, backend, ct);
        var after = await again.GetAsync($"/api/v1/reservations/{id}");
        Assert.That(State(after), Is.EqualTo("Ready"));
        Assert.That(after["expiresAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(ready["expiresAt"]!.GetValue<DateTimeOffset>()));
        Assert.That(after["leaseId"]!.GetValue<string>(), Is.EqualTo(ready["leaseId"]!.GetValue<string>()));
        Assert.That(after["machines"]!.ToJsonString(), Is.EqualTo(ready["machines"]!.ToJsonString()));
        Assert.That((await again.GetAsync("/api/v1/leases")).AsArray().Select(l => l!["id"]!.GetValue<string>()), Is.EqualTo(new[] { ready["leaseId"]!.GetValue<string>() }));
        // The pages: the list links the reservation; its page links each machine's page and offers Extend and Release to an operator.
        var (ls, _, list, _) = await again.SendAsync(HttpMethod.Get, "/reservations", ServeFixture.ViewerSecret);
        Assert.That(ls, Is.EqualTo(HttpStatusCode.OK), list);
        Assert.That(list, Does.Contain($"href=\"/reservations/{id}\"").And.Contain("restart check"));
        var (ps, _, page, _) = await again.SendAsync(HttpMethod.Get, $"/reservations/{id}", ServeFixture.OperatorSecret);
        Assert.That(ps, Is.EqualTo(HttpStatusCode.OK), page);
        var machine = ready["machines"]![0]!["id"]!.GetValue<string>();
        Assert.That(page, Does.Contain($"href=\"/machines/{machine}\"").And.Contain(">Extend</button>").And.Contain(">Release</button>").And.Match("0h (19|20)m"));
        var (qs, _, queuePage, _) = await again.SendAsync(HttpMethod.Get, "/queue", ServeFixture.ViewerSecret);
        Assert.That(queuePage, Does.Contain("data-leans=\"person\"").And.Contain("weight 40").And.Contain("waiting 03:00:00 longer"), $"{qs}: the queue page says which way it leans");
        var (vs, _, viewerPage, _) = await again.SendAsync(HttpMethod.Get, $"/reservations/{id}", ServeFixture.ViewerSecret);
        Assert.That((vs, viewerPage.Contains(">Release</button>", StringComparison.Ordinal)), Is.EqualTo((HttpStatusCode.OK, false)), "a viewer gets no actions");
        var (status2, _, text2, _) = await again.SendAsync(HttpMethod.Post, $"/api/v1/reservations/{id}/release", ServeFixture.OperatorSecret);
        Assert.That(status2, Is.EqualTo(HttpStatusCode.Accepted), text2);
        await again.WaitUntilAsync($"/api/v1/reservations/{id}", r => State(r) == "Ended", TimeSpan.FromSeconds(60), ct);
    }

    [Test]
    public async Task Bad_input_is_refused_naming_the_field(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") };
        var options = ServeFixture.Options(fixture.Config, storage, "serve-doc") with { Pool = fixture.Config.Pool!.Value };
        using var api = await fixture.StartInProcessAsync(options, new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells")), ct);

        var cases = new (object Body, string Field, string Says)[]
        {
            (new { profile = "no-such", count = 1, reason = "r" }, "profile", "unknown profile 'no-such'"),
            (new { profile = "epyc-9354-e810", count = 3, reason = "r" }, "count", "count 3 is more than the 2 machine(s)"),
            (new { profile = "epyc-9354-e810", count = 0, reason = "r" }, "count", "count must be at least 1"),
            (new { profile = "epyc-9354-e810", count = 1, duration = "09:00:00", reason = "r" }, "duration", "over the policy cap 08:00:00"),
            (new { profile = "epyc-9354-e810", count = 1, duration = "soon", reason = "r" }, "duration", "duration must be hh:mm:ss"),
            (new { profile = "epyc-9354-e810", count = 1, reason = new string('x', 501) }, "reason", "at most 500 characters, was 501"),
            (new { profile = "epyc-9354-e810", count = 1 }, "reason", "reason is required"),
            (new { likeCell = "run-nope/cell", reason = "r" }, "likeCell", "no cell 'run-nope/cell'"),
            (new { likeCell = "nocell", reason = "r" }, "likeCell", "'<runId>/<cellId>'"),
            (new { reason = "r" }, "profile", "profile is required"),
        };
        foreach (var (body, field, says) in cases)
        {
            var (status, answer, text, response) = await api.SendAsync(HttpMethod.Post, "/api/v1/reservations", ServeFixture.OperatorSecret, body);
            Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), text);
            Assert.That(answer!["field"]!.GetValue<string>(), Is.EqualTo(field), text);
            Assert.That(answer["detail"]!.GetValue<string>(), Does.Contain(says), text);
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        }
        var (s1, _, t1, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/reservations", ServeFixture.ViewerSecret, new { profile = "epyc-9354-e810", count = 1, reason = "r" });
        Assert.That(s1, Is.EqualTo(HttpStatusCode.Forbidden), t1);
        var (s2, b2, t2, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/reservations", ServeFixture.OperatorSecret, "{\"count\": \"two\"}");
        Assert.That((s2, b2!["field"]!.GetValue<string>()), Is.EqualTo((HttpStatusCode.BadRequest, "count")), t2);
        var (s3, _, t3, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/reservations/nope/extend", ServeFixture.OperatorSecret, new { duration = "00:10:00" });
        Assert.That(s3, Is.EqualTo(HttpStatusCode.NotFound), t3);
        var (s4, _, t4, _) = await api.SendAsync(HttpMethod.Get, "/api/v1/reservations/nope", ServeFixture.ViewerSecret);
        Assert.That(s4, Is.EqualTo(HttpStatusCode.NotFound), t4);
        Assert.That((await api.GetAsync("/api/v1/reservations")).AsArray(), Is.Empty, "nothing refused was kept");
    }

    private static async Task<List<(string To, string Reason)>> ReadAuditAsync(string db, string id)
    {
        var store = await TestFarm.Storage.Sql.SqlFarmStore.OpenSqliteAsync(db, TimeProvider.System);
        return [.. (await store.ReadAsync(id)).Select(e => (e.To, e.Reason))];
    }
}
