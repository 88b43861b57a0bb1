using System.Net;
using System.Text.Json.Nodes;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// Console transcripts as artifacts of a reservation, on <c>testfarm serve</c> with the lab's simulated machines: the holder
/// types a line into a reserved machine's line console, releases it, and reads the session back from the reservation: listed
/// in <c>GET /api/v1/reservations/{id}</c> (machine, who, start, last input, size, URL) and served to the holder or an operator
/// only; a session id not of the reservation, or not shaped like one, is a 404 naming it and never touches the file system.
/// </summary>
[CancelAfter(180_000), NonParallelizable]
public sealed class ReservationTranscriptTests
{
    private static string State(JsonNode r) => r["state"]!.GetValue<string>();

    [Test]
    public async Task A_line_typed_into_a_reserved_machines_console_is_read_back_from_the_reservation_after_release(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var backend = await fixture.LabAsync(ct);
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "serve-t");
        using var api = await fixture.StartAsync(options, backend, ct);

        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/reservations", ServeFixture.OperatorSecret,
            new { profile = "epyc-9354-e810", count = 1, duration = "01:00:00", reason = "read the boot log" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), text);
        var id = body!["id"]!.GetValue<string>();
        var ready = await api.WaitUntilAsync($"/api/v1/reservations/{id}", r => State(r) is "Ready" or "Ended", TimeSpan.FromSeconds(90), ct);
        Assert.That(State(ready), Is.EqualTo("Ready"), ready.ToJsonString());
        Assert.That(ready["transcripts"]!.AsArray(), Is.Empty, "no session yet");
        var machine = ready["machines"]![0]!["id"]!.GetValue<string>();

        (status, body, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/machines/{machine}/console", ServeFixture.OperatorSecret, new { input = "uname -a\n" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var session = body!["session"]!.GetValue<string>();
        await api.WaitUntilAsync($"/api/v1/machines/{machine}/console?tail=5000", _ => true, TimeSpan.FromSeconds(5), ct);

        (status, _, text, _) = await api.SendAsync(HttpMethod.Post, $"/api/v1/reservations/{id}/release", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var ended = await api.WaitUntilAsync($"/api/v1/reservations/{id}", r => State(r) == "Ended", TimeSpan.FromSeconds(60), ct);

        var listed = ended["transcripts"]!.AsArray();
        Assert.That(listed, Has.Count.EqualTo(1), ended.ToJsonString());
        var t = listed[0]!;
        Assert.That(t["session"]!.GetValue<string>(), Is.EqualTo(session));
        Assert.That((t["machine"]!.GetValue<string>(), t["who"]!.GetValue<string>(), t["via"]!.GetValue<string>()), Is.EqualTo((machine, "oncall", "api")));
        var started = t["started"]!.GetValue<DateTimeOffset>();
        Assert.That(started, Is.GreaterThanOrEqualTo(ready["readyAt"]!.GetValue<DateTimeOffset>()).And.LessThanOrEqualTo(ended["endedAt"]!.GetValue<DateTimeOffset>()));
        Assert.That(t["ended"]!.GetValue<DateTimeOffset>() - started, Is.LessThan(TimeSpan.FromSeconds(1)).And.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(-1)),
            "one input: the session's last input is its first");
        var url = t["url"]!.GetValue<string>();
        Assert.That(url, Is.EqualTo($"/api/v1/reservations/{id}/transcripts/{session}"));

        (status, _, text, var response) = await api.SendAsync(HttpMethod.Get, url, ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/plain"));
        Assert.That(text, Does.EndWith(" oncall: \"uname -a\\n\"\n"), text);
        Assert.That(t["bytes"]!.GetValue<long>(), Is.EqualTo(System.Text.Encoding.UTF8.GetByteCount(text)));

        (status, _, text, _) = await api.SendAsync(HttpMethod.Get, url, ServeFixture.ViewerSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), text);
        Assert.That(text, Does.Contain("holder or an Operator"));

        foreach (var bad in new[] { "cs-20000101T000000-0000abcd", "nope", "..%2F..%2Ffarm.db", "cs-20000101T000000-0000abcd%2F..%2F..%2Ffarm.db" })
        {
            (status, _, text, _) = await api.SendAsync(HttpMethod.Get, $"/api/v1/reservations/{id}/transcripts/{bad}", ServeFixture.OperatorSecret);
            Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), $"{bad}: {text}");
            Assert.That(text, Does.Contain($"reservation {id} has no console session '"), text);
        }
        (status, _, text, _) = await api.SendAsync(HttpMethod.Get, $"/api/v1/reservations/no-such/transcripts/{session}", ServeFixture.OperatorSecret);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), text);
        Assert.That(text, Does.Contain("no reservation 'no-such'"));
    }
}
