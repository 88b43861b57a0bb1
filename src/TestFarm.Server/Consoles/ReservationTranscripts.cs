using System.Text;
using Microsoft.AspNetCore.Http;
using TestFarm.Core.HandsOn;
using TestFarm.Core.Machines;
using TestFarm.Server.Api;
using TestFarm.Server.Auth;
using TestFarm.Server.Hosting;

namespace TestFarm.Server.Consoles;

#pragma warning disable CA1056 // URLs in bodies are relative paths, kept as strings.
/// <summary>
/// One console session held during a reservation: the machine, who typed (and through what: api or page), when it started and
/// its last input, the transcript's size and where to read it.
/// </summary>
public sealed record TranscriptView(string Session, string Machine, string Who, string Via, DateTimeOffset Started, DateTimeOffset? Ended, long Bytes, string Url);
#pragma warning restore CA1056

/// <summary>
/// Console transcripts as artifacts of a reservation: the sessions opened on its machines under its lease while it was open
/// (from the machines' <c>console</c> events), and one transcript's text for the holder or an operator. A session id reaches
/// the file system only when it is one of the reservation's own sessions and has the shape <see cref="ConsoleSessions"/> makes.
/// </summary>
internal static class ReservationTranscripts
{
    /// <summary>Most events read per machine (pages of 1000) when looking for its sessions.</summary>
    private const int MaxEventPages = 50;

    public static async Task<IReadOnlyList<TranscriptView>> ListAsync(HandsOnReservation r, IEventLog events, FarmServerOptions options, CancellationToken ct)
    {
        var list = new List<TranscriptView>();
        foreach (var (machine, session, who, via, started) in await SessionsAsync(r, events, ct))
        {
            var (bytes, last) = await MeasureAsync(ConsoleSessions.TranscriptFile(options, machine, session), ct);
            list.Add(new TranscriptView(session, machine, who, via, started, last, bytes, $"/api/v1/reservations/{r.Id}/transcripts/{session}"));
        }
        return list;
    }

    /// <summary>The sessions opened on the reservation's machines under its lease while it was open, from the events alone (no file read).</summary>
    internal static async Task<IReadOnlyList<(string Machine, string Session, string Who, string Via, DateTimeOffset Started)>> SessionsAsync(
        HandsOnReservation r, IEventLog events, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (r.LeaseId is null) return [];
        var list = new List<(string Machine, string Session, string Who, string Via, DateTimeOffset Started)>();
        foreach (var machine in r.Machines.Distinct(StringComparer.Ordinal))
        {
            long after = 0;
            for (var page = 0; page < MaxEventPages; page++)
            {
                var batch = await events.ReadAsync(machine, after, 1000, ct);
                foreach (var e in batch)
                {
                    if (e.Kind != ConsoleSessions.EventKind || e.LeaseId != r.LeaseId || e.At < r.CreatedAt || (r.EndedAt is { } end && e.At > end)) continue;
                    if (ConsoleSessions.ParseOpened(e.Reason) is not { } opened || !ConsoleSessions.IsSessionId(opened.Id)) continue;
                    list.Add((machine, opened.Id, opened.Who, opened.Via, e.At));
                }
                if (batch.Count < 1000) break;
                after = batch[^1].Seq;
            }
        }
        return [.. list.OrderBy(t => t.Started).ThenBy(t => t.Session, StringComparer.Ordinal)];
    }

    /// <summary><c>GET /api/v1/reservations/{id}/transcripts/{session}</c>: the transcript as text, for the reservation's holder or an operator.</summary>
    public static async Task<IResult> ReadAsync(string id, string session, HttpContext http, IEventLog events, FarmServerOptions options,
        Orchestration.HandsOn.HandsOnReservations? service, CancellationToken ct)
    {
        if (service is null || await service.GetAsync(id, ct) is not { } r) return Problems.NotFound(http, $"no reservation {Problems.Quote(id)}");
        if (http.Items[RoleRequirement.TokenItem] is not ApiToken token) return Problems.Of(http, StatusCodes.Status403Forbidden, "Forbidden", "no token");
        if (token.Role < ApiRole.Operator && token.Name != r.Owner)
            return Problems.Of(http, StatusCodes.Status403Forbidden, "Forbidden",
                $"token '{token.Name}' has role {token.Role} and does not hold reservation {r.Id}; its transcripts are for the holder or an Operator");
        var found = ConsoleSessions.IsSessionId(session)
            ? (await SessionsAsync(r, events, ct)).FirstOrDefault(t => t.Session == session)
            : default;
        if (found.Session is null) return Problems.NotFound(http, $"reservation {r.Id} has no console session {Problems.Quote(session)}");
        var file = ConsoleSessions.TranscriptFile(options, found.Machine, found.Session);
        if (!File.Exists(file)) return Problems.NotFound(http, $"the transcript of console session {found.Session} is gone from the data folder");
        http.Response.Headers.CacheControl = "no-store";
        return Results.Text(await File.ReadAllTextAsync(file, Encoding.UTF8, ct), "text/plain; charset=utf-8", Encoding.UTF8);
    }

    private static async Task<(long Bytes, DateTimeOffset? LastInput)> MeasureAsync(string file, CancellationToken ct)
    {
        if (!File.Exists(file)) return (0, null);
        var lines = await File.ReadAllLinesAsync(file, Encoding.UTF8, ct); // at most ConsoleSessions.MaxTranscriptBytes
        return (new FileInfo(file).Length, ConsoleSessions.LastInput(lines));
    }
}
