using Microsoft.AspNetCore.Http;
using TestFarm.Core.Leases;
using TestFarm.Orchestration.Reservations;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>
/// <c>/queue</c>: the waiting requests in order, each with what blocks it in words (the scheduler's own explanation, as
/// <c>GET /api/v1/queue</c> gives it), its ETA and priority class; and the leases holding machines now.
/// </summary>
internal static class QueuePage
{
    public static async Task<IResult> RenderAsync(HttpContext http, ReservationService reservations, SqlFarmStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var queued = (await store.ListAsync(RequestState.Queued, ct)).ToDictionary(q => q.Request.Id, StringComparer.Ordinal);
        var status = (await reservations.QueueStatusAsync(ct)).Where(s => queued.ContainsKey(s.RequestId)).OrderBy(s => s.Position).ToList();
        var h = new HtmlBuilder();
        var w = reservations.Weights;
        h.Add($"""<p class="policy" data-leans="person">People's hands-on reservations (Interactive, weight {w.Interactive}) lean towards the person: they pass a fresh nightly (weight {w.Nightly}) and a nightly passes them only after waiting {w.NightlyCatchUp} longer, so nobody waits hours behind a night's cells; they never pass a fresh pull request (weight {w.PullRequest}), and each person is their own fair-share account, so one person holding much of the pool falls behind others.</p>""");
        h.Add($"""<section aria-labelledby="waiting"><h2 id="waiting">Waiting ({status.Count})</h2>""");
        if (status.Count == 0) h.Add($"""<p class="empty">Nothing is waiting: every request has its machines.</p>""");
        else
        {
            h.Add($"""<table class="queue"><thead><tr><th scope="col">#</th><th scope="col">Request</th><th scope="col">Plan</th><th scope="col">Profile</th><th scope="col">Priority</th><th scope="col">Waiting</th><th scope="col">Blocked by</th><th scope="col">ETA</th></tr></thead><tbody>""");
            foreach (var s in status)
            {
                var r = queued[s.RequestId].Request;
                h.Add($"""<tr data-request="{s.RequestId}"><td>{s.Position}</td><td>{RequestRef.Link(s.RequestId)}</td><td>{r.Plan}</td><td><a href="{Links.Fleet(null, r.Profile)}">{r.Profile}</a></td><td>{r.Priority}</td><td>{Layout.Ago(r.SubmittedAt, now)}</td><td class="why">{s.BlockingReason}</td><td>{(s.Eta is { } eta ? Layout.Time(eta) : "unknown")}</td></tr>""");
            }
            h.Add($"</tbody></table>");
        }
        h.Add($"</section>");

        var day = now.AddHours(-24);
        var waits = await store.QueueWaitsAsync(day, now, ct);
        h.Add($"""<section aria-labelledby="over-day"><h2 id="over-day">Queue over the day</h2>{Plots.QueuePlot.Render(waits, day, now)}</section>""");

        var leases = await store.ListLeasesAsync(activeOnly: true, ct);
        h.Add($"""<section aria-labelledby="held"><h2 id="held">Holding machines ({leases.Count})</h2>""");
        if (leases.Count == 0) h.Add($"""<p class="empty">No lease is active.</p>""");
        else
        {
            h.Add($"""<table><thead><tr><th scope="col">Lease</th><th scope="col">Cell</th><th scope="col">Machines</th><th scope="col">Held for</th><th scope="col">Expires</th></tr></thead><tbody>""");
            foreach (var l in leases)
            {
                h.Add($"""<tr><td>{l.Id}</td><td>{RequestRef.Link(l.RequestId)}</td><td>""");
                foreach (var m in l.Machines) h.Add($"""<a href="{Links.Machine(m)}">{m}</a> """);
                h.Add($"""</td><td>{Layout.Duration((now - l.GrantedAt).TotalSeconds)}</td><td>{Layout.Time(l.ExpiresAt)}</td></tr>""");
            }
            h.Add($"</tbody></table>");
        }
        h.Add($"</section>");
        return Layout.Page(http, "Queue", "queue", h.Build());
    }
}
