using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.HandsOn;
using TestFarm.Orchestration.HandsOn;
using TestFarm.Server.Api;
using TestFarm.Server.Auth;
using TestFarm.Server.Dashboard.Access;
using TestFarm.Server.Dashboard.Live;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>
/// <c>/reservations</c> (people's hands-on reservations) and <c>/reservations/{id}</c> (state, time left and the expiry warning,
/// machines linked to their pages, queue position while Queued; for operators the Extend and Release forms). The forms and the
/// failed cell's "Reserve like this" button take the API's paths.
/// </summary>
internal static class ReservationsPage
{
    public static async Task<IResult> ListAsync(HttpContext http, TimeProvider time, string? all, CancellationToken ct)
    {
        var service = http.RequestServices.GetService<HandsOnReservations>();
        var list = service is null ? [] : await service.ListAsync(openOnly: all is null, ct);
        var now = time.GetUtcNow();
        var h = new HtmlBuilder();
        h.Add($"""<p>{(all is null ? HtmlBuilder.Of($"""Open reservations · <a href="/reservations?all=1">all, ended too</a>""") : HtmlBuilder.Of($"""All reservations · <a href="/reservations">open only</a>"""))}</p>""");
        if (list.Count == 0) h.Add($"""<p class="empty">No reservation.</p>""");
        else
        {
            h.Add($"""<table class="reservations"><thead><tr><th scope="col">Reservation</th><th scope="col">State</th><th scope="col">Owner</th><th scope="col">Machines</th><th scope="col">Time left</th><th scope="col">Reason</th></tr></thead><tbody>""");
            foreach (var r in list)
            {
                h.Add($"""<tr><td><a href="{Link(r.Id)}">{r.Id}</a></td><td>{Layout.Badge(r.State.ToString())}</td><td>{r.Owner}</td><td>{r.Count} × {r.Profile}</td><td>{Left(r, now, service!.Options.Policy.WarningBefore)}</td><td>{r.Reason}</td></tr>""");
            }
            h.Add($"</tbody></table>");
        }
        return Layout.Page(http, "Reservations", "reservations", h.Build());
    }

    public static async Task<IResult> RenderAsync(string id, HttpContext http, TimeProvider time, Storage.Sql.SqlFarmStore store, CancellationToken ct)
    {
        id = Links.Segment(http, 1, 1);
        var service = http.RequestServices.GetService<HandsOnReservations>();
        if (service is null || await service.GetAsync(id, ct) is not { } r) return Layout.NotFound(http, $"no reservation '{Problems.Echo(id)}'");
        var now = time.GetUtcNow();
        var warn = service.Options.Policy.WarningBefore;
        var key = await ReservationLive.KeyAsync(r, service, store, now, ct);
        var h = new HtmlBuilder();
        // The live parts: the page's script fetches the page again when the stream's key differs from data-live-key and swaps each
        // [data-live-part]; the consoles between them are kept (their streams go on) and added or removed by machine.
        h.Add($"""<div data-live-reservation="/live/reservations/{Links.Esc(r.Id)}" data-live-key="{key}"><div data-live-part="summary">""");
        h.Add($"""<p><span data-reservation-state>{Layout.Badge(r.State.ToString())}</span> · owner {r.Owner} · {r.Count} × {r.Profile} · build {r.Build ?? "the farm's default image"} · asked {Layout.Time(r.CreatedAt)}</p>""");
        if (r.Warning(now, warn)) h.Add($"""<p class="error" role="alert" data-warning="expiry">Expires at {Layout.Time(r.ExpiresAt)}: less than {warn.TotalMinutes} minutes left. Extend it or save your work.</p>""");
        h.Add($"""<dl class="kv"><dt>Reason</dt><dd>{r.Reason}</dd><dt>Duration</dt><dd>{r.Duration.ToString("c", System.Globalization.CultureInfo.InvariantCulture)}</dd><dt>Ready</dt><dd data-ready-at>{Layout.Time(r.ReadyAt)}</dd><dt>Expires</dt><dd data-expires-at>{Layout.Time(r.ExpiresAt)}</dd><dt>Time left</dt><dd data-time-left>{Left(r, now, warn)}</dd>""");
        if (r.LikeCell is { } like && like.IndexOf('/', StringComparison.Ordinal) is > 0 and var slash)
            h.Add($"""<dt>Like cell</dt><dd><a href="{Links.Cell(like[..slash], like[(slash + 1)..])}">{like}</a></dd>""");
        if (await service.QueueStatusAsync(r, ct) is { } q) h.Add($"""<dt>Queue</dt><dd>position {q.Position}: {q.Blocking}{(q.Eta is { } eta ? $" · ETA {Layout.Time(eta)}" : "")}</dd>""");
        if (r.EndReason is { } why) h.Add($"""<dt>End</dt><dd>{Layout.Time(r.EndedAt)}: {why}</dd>""");
        h.Add($"</dl>");

        // Each machine links to its page; while Ready its console and power controls are embedded below.
        h.Add($"""<section aria-labelledby="machines"><h2 id="machines">Machines</h2>""");
        if (r.Machines.Count == 0) h.Add($"""<p class="empty">None yet.</p>""");
        else
        {
            var pool = service.MachinesById;
            h.Add($"""<ul class="machines">""");
            foreach (var m in r.Machines)
            {
                var bmc = pool.TryGetValue(m, out var p) ? p.Bmc.Url.GetLeftPart(UriPartial.Authority) : "—";
                h.Add($"""<li data-machine="{m}"><a href="{Links.Machine(m)}">{m}</a> · BMC {bmc}</li>""");
            }
            h.Add($"</ul>");
        }
        h.Add($"</section></div>");
        // Ready: each machine's live console and power controls on this page (the holder or an operator may type and switch).
        h.Add($"""<div data-live-consoles>""");
        if (r.State == HandsOnState.Ready)
        {
            var records = (await store.ListMachinesAsync(ct)).ToDictionary(m => m.Id, StringComparer.Ordinal);
            var i = 0;
            foreach (var m in r.Machines)
                if (records.TryGetValue(m, out var record))
                {
                    var panel = await MachineConsolePanel.RenderAsync(http, record, await store.ReadAsync(m, 0, 1000, ct), ct, embedded: i++);
                    h.Add($"""<div data-console-panel="{m}">{panel}</div>""");
                }
        }
        h.Add($"""</div><div data-live-part="rest">""");
        if (DashboardSession.Current(http) is { Role: >= ApiRole.Operator } && r.State != HandsOnState.Ended)
        {
            h.Add($"""<section aria-labelledby="actions"><h2 id="actions">Actions</h2><div class="actions">""");
            if (r.State == HandsOnState.Ready)
                h.Add($"""<form method="post" action="{Link(r.Id)}/extend">{Layout.Csrf(http)}<label for="dur">Add</label><input id="dur" name="duration" value="00:30:00" maxlength="32" required><button type="submit">Extend</button></form>""");
            if (r.State != HandsOnState.Releasing)
                h.Add($"""<form method="post" action="{Link(r.Id)}/release">{Layout.Csrf(http)}<button type="submit">Release</button></form>""");
            h.Add($"</div></section>");
        }
        h.Add(await SessionsAsync(http, r, ct));
        var events = (await store.ReadAsync(r.Id, 0, 1000, ct)).Reverse().ToList();
        h.Add($"""<section aria-labelledby="events"><h2 id="events">Audit log</h2><table class="events"><thead><tr><th scope="col">At</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Why</th></tr></thead><tbody>""");
        foreach (var e in events) h.Add($"""<tr><td>{Layout.Time(e.At)}</td><td>{e.From ?? "—"}</td><td>{Layout.Badge(e.To)}</td><td>{e.Reason}</td></tr>""");
        h.Add($"</tbody></table></section></div></div>");
        return Layout.Page(http, $"Reservation {r.Id}", "reservations", h.Build());
    }

    /// <summary>The console sessions held on the reservation's machines during it, each linked to its transcript (the holder or an operator may read it).</summary>
    private static async Task<Html> SessionsAsync(HttpContext http, HandsOnReservation r, CancellationToken ct)
    {
        var services = http.RequestServices;
        var list = await Consoles.ReservationTranscripts.ListAsync(r, services.GetRequiredService<Core.Machines.IEventLog>(), services.GetRequiredService<Hosting.FarmServerOptions>(), ct);
        var h = new HtmlBuilder();
        h.Add($"""<section aria-labelledby="sessions"><h2 id="sessions">Console sessions</h2>""");
        if (list.Count == 0) h.Add($"""<p class="empty">No one has typed into a console of this reservation.</p>""");
        else
        {
            h.Add($"""<table class="sessions"><thead><tr><th scope="col">Session</th><th scope="col">Machine</th><th scope="col">Who</th><th scope="col">Started</th><th scope="col">Last input</th><th scope="col">Bytes</th></tr></thead><tbody>""");
            foreach (var t in list)
                h.Add($"""<tr data-session="{t.Session}"><td><a href="/api/v1/reservations/{Links.Esc(r.Id)}/transcripts/{Links.Esc(t.Session)}">{t.Session}</a></td><td><a href="{Links.Machine(t.Machine)}">{t.Machine}</a></td><td>{t.Who} ({t.Via})</td><td>{Layout.Time(t.Started)}</td><td>{Layout.Time(t.Ended)}</td><td>{t.Bytes}</td></tr>""");
            h.Add($"</tbody></table>");
        }
        h.Add($"</section>");
        return h.Build();
    }

    /// <summary>POST <c>/reservations/{id}/extend|release</c> from the page: the API's path; back to the page, or why it was refused.</summary>
    public static async Task<IResult> ActAsync(string id, string action, HttpContext http, CancellationToken ct)
    {
        id = Links.Segment(http, 1, 1);
        if (http.RequestServices.GetService<HandsOnReservations>() is not { } service) return Layout.NotFound(http, "this farm instance has no machines to reserve");
        var token = DashboardSession.Current(http);
        var who = $"{token?.Name ?? "?"}";
        var form = await http.Request.ReadFormAsync(ct);
        var outcome = action switch
        {
            "extend" => await service.ExtendAsync(id, form["duration"].ToString(), who, token?.Role >= ApiRole.Admin, ct),
            "release" => await service.ReleaseAsync(id, who, ct),
            _ => null,
        };
        if (outcome is null) return Layout.NotFound(http, $"no action '{Problems.Echo(action)}'; the actions are extend and release");
        if (outcome.Reservation is null) return Layout.Error(http, outcome.Status, "Refused", (outcome.Field is null ? "" : outcome.Field + ": ") + outcome.Message);
        return Results.Redirect(Link(id), permanent: false);
    }

    /// <summary>POST <c>/reservations</c> from a failed cell's "Reserve like this": a reservation like the cell, then its page.</summary>
    public static async Task<IResult> CreateLikeAsync(HttpContext http, CancellationToken ct)
    {
        if (http.RequestServices.GetService<HandsOnReservations>() is not { } service) return Layout.NotFound(http, "this farm instance has no machines to reserve");
        var token = DashboardSession.Current(http);
        var form = await http.Request.ReadFormAsync(ct);
        var ask = new HandsOnAsk { LikeCell = form["likeCell"].ToString(), Reason = form["reason"].ToString(), Duration = Blank(form["duration"].ToString()) };
        var (r, errors) = await service.CreateAsync(ask, token?.Name ?? "?", token?.Role >= ApiRole.Admin, ct);
        if (r is null) return Layout.Error(http, StatusCodes.Status422UnprocessableEntity, "Refused", string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
        return Results.Redirect(Link(r.Id), permanent: false);
    }

    /// <summary>The "Reserve like this" form for a failed cell's page.</summary>
    public static Html LikeThisForm(HttpContext http, string runId, string cellId) => HtmlBuilder.Of(
        $"""<section aria-labelledby="reserve"><h2 id="reserve">Hands-on</h2><form method="post" action="/reservations">{Layout.Csrf(http)}<input type="hidden" name="likeCell" value="{runId}/{cellId}"><label for="why">Reason</label><input id="why" name="reason" maxlength="500" required><label for="for">For</label><input id="for" name="duration" value="02:00:00" maxlength="32"><button type="submit">Reserve like this</button></form></section>""");

    private static string? Blank(string s) => string.IsNullOrWhiteSpace(s) ? null : s;

    private static string Link(string id) => $"/reservations/{Links.Esc(id)}";

    private static string Left(HandsOnReservation r, DateTimeOffset now, TimeSpan warn) =>
        r.TimeLeft(now) is { } left ? $"{(int)left.TotalHours}h {left.Minutes:00}m{(r.Warning(now, warn) ? " (expiring)" : "")}" : "—";
}
