using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.HandsOn;
using TestFarm.Core.Machines;
using TestFarm.Orchestration.HandsOn;
using TestFarm.Server.Api;
using TestFarm.Server.Consoles;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Dashboard.Live;

/// <summary>A reservation as its live stream tells it: its state and the key of everything its page shows.</summary>
internal sealed record ReservationUpdate(string Reservation, string State, string Key);

/// <summary>
/// <c>/live/reservations/{id}</c>: server-sent events for a reservation's page, woken like the run stream (<see cref="LiveEndpoints"/>:
/// the store's change signal, at least <see cref="LiveEndpoints.MinGap"/> apart, and a <see cref="LiveEndpoints.Fallback"/> poll
/// for other instances). It sends <c>reservation</c> with the page's key (<see cref="KeyAsync"/>) whenever the key changes: the
/// state, machines, ready and expiry times, the expiry warning and the minutes left, the queue position, the audit log and the
/// console sessions; the page compares it with the key it was rendered with and fetches its live parts again. <c>end</c> once the
/// reservation has ended, then it closes.
/// </summary>
internal static class ReservationLive
{
    public static async Task<IResult> StreamAsync(string id, HttpContext http, SqlFarmStore store, TimeProvider time, CancellationToken ct)
    {
        id = Links.Segment(http, 2, 1);
        var service = http.RequestServices.GetService<HandsOnReservations>();
        if (service is null || await service.GetAsync(id, ct) is null) return Problems.NotFound(http, $"no reservation '{Problems.Echo(id)}'");
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.ServerSentEvents(StreamAsync(id, service, store, time, ct));
    }

    /// <summary>
    /// What the reservation's page shows, as a short key: two reads that give the same key render the same live parts (but
    /// for the seconds of the time left).
    /// </summary>
    public static async Task<string> KeyAsync(HandsOnReservation r, HandsOnReservations service, IEventLog events, DateTimeOffset now, CancellationToken ct)
    {
        var warn = service.Options.Policy.WarningBefore;
        var queue = await service.QueueStatusAsync(r, ct);
        var audit = await events.ReadAsync(r.Id, 0, 1000, ct);
        var sessions = await ReservationTranscripts.SessionsAsync(r, events, ct);
        var left = r.TimeLeft(now) is { } t ? (long)t.TotalMinutes : -1;
        var text = string.Join('\n', r.State, string.Join(' ', r.Machines), r.ReadyAt?.ToUnixTimeMilliseconds(), r.ExpiresAt?.ToUnixTimeMilliseconds(),
            r.EndedAt?.ToUnixTimeMilliseconds(), r.EndReason, r.Warning(now, warn), left, queue?.Position, queue?.Blocking, queue?.Eta?.ToUnixTimeSeconds(),
            audit.Count, audit.Count > 0 ? audit[^1].Seq : 0, sessions.Count, sessions.Count > 0 ? sessions[^1].Session : "");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12));
    }

    private static async IAsyncEnumerable<SseItem<ReservationUpdate>> StreamAsync(string id, HandsOnReservations service, SqlFarmStore store, TimeProvider time,
        [EnumeratorCancellation] CancellationToken ct)
    {
        string? sent = null;
        var started = time.GetUtcNow();
        while (!ct.IsCancellationRequested && time.GetUtcNow() - started < LiveEndpoints.MaxStream)
        {
            var changed = store.Changes.Next; // taken before the read: a write during it still wakes the next wait
            var r = await service.GetAsync(id, ct);
            if (r is null) yield break;
            var key = await KeyAsync(r, service, store, time.GetUtcNow(), ct);
            var update = new ReservationUpdate(r.Id, r.State.ToString(), key);
            if (key != sent)
            {
                sent = key;
                yield return new SseItem<ReservationUpdate>(update, "reservation");
            }
            if (r.State == HandsOnState.Ended)
            {
                yield return new SseItem<ReservationUpdate>(update, "end");
                yield break;
            }
            try { await LiveEndpoints.WaitAsync(changed, time, ct); }
            catch (OperationCanceledException) { yield break; }
        }
    }
}
