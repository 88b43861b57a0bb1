using System.Net;
using System.Net.Http.Headers;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage;
using TestFarm.Storage.Database;

namespace TestFarm.Server.Tests.Dashboard;

/// <summary>The run page's live stream: a cell held in reimage, then let go, shows up as phase events without polling.</summary>
[CancelAfter(60_000), NonParallelizable]
public sealed class LiveEventsTests
{
    [Test]
    public async Task The_stream_delivers_a_phase_change_as_it_happens(CancellationToken ct)
    {
        await using var fixture = new ServeFixture();
        var backend = new GatedBackend(fixture.Config, Path.Combine(fixture.Root, "cells"));
        using var api = await fixture.StartAsync(ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") }, "live"), backend, ct);
        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "lab-smoke" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var runId = body!["id"]!.GetValue<string>();
        await backend.Reimaging.Task.WaitAsync(ct);

        using var http = new HttpClient { BaseAddress = new Uri(TestFarm.Server.Hosting.FarmServer.BoundAddress(api.App)), Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/live/runs/{runId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServeFixture.ViewerSecret);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/event-stream"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));

        // A second run waits for the held machines: the queue page says what blocks it, as the API does.
        var (second, secondBody, secondText, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", ServeFixture.OperatorSecret, new { plan = "lab-smoke" });
        Assert.That(second, Is.EqualTo(HttpStatusCode.Accepted), secondText);
        var queue = await api.WaitUntilAsync("/api/v1/queue", q => q.AsArray().Count == 1, TimeSpan.FromSeconds(20), ct);
        var waiting = queue[0]!;
        Assert.That(waiting["requestId"]!.GetValue<string>(), Does.StartWith(secondBody!["id"]!.GetValue<string>()));
        using var pages = new PageClient(http.BaseAddress!);
        var (qs, queuePage, _) = await pages.GetAsync("/queue", ServeFixture.ViewerSecret);
        Assert.That(qs, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(WebUtility.HtmlDecode(queuePage), Does.Contain(waiting["blocking"]!.GetValue<string>()).And.Contain("Waiting (1)"));
        Assert.That(queuePage, Does.Contain($"href=\"/runs/{runId}/cells/"), "the holding lease links its cell");

        var first = await NextEventAsync(reader, "cell", ct);
        Assert.That(first, Does.Contain("\"phase\":\"reimage\",\"state\":\"Running\""), "the cell is held in reimage: " + first);
        backend.Open();
        var next = await NextEventAsync(reader, "cell", ct);
        Assert.That(next, Does.Contain("\"phase\":\"reimage\",\"state\":\"Succeeded\""), "the stream tells reimage ended: " + next);
        var end = await NextEventAsync(reader, "end", ct);
        Assert.That(end, Does.Contain(runId));
    }

    /// <summary>The data of the next event of <paramref name="type"/> (others are skipped).</summary>
    private static async Task<string> NextEventAsync(StreamReader reader, string type, CancellationToken ct)
    {
        string? eventType = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) eventType = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && eventType == type) return line["data: ".Length..];
            else if (line.Length == 0) eventType = null;
        }
        throw new AssertionException($"the stream ended before a '{type}' event");
    }
}
