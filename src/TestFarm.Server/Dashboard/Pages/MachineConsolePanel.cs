using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.Machines;
using TestFarm.Server.Api;
using TestFarm.Server.Consoles;
using TestFarm.Server.Dashboard.Access;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>
/// The hands-on part of <c>/machines/{id}</c>: the live serial console (output streamed from the API's follow stream, an input
/// line for the holder of the machine's reservation or an operator), the power buttons (On, Off, Cycle, PXE once; same
/// people) and the audit of power actions and console sessions. Posts go to <c>/machines/{id}/console</c> and
/// <c>/machines/{id}/power</c> with the page's antiforgery token.
/// </summary>
internal static class MachineConsolePanel
{
    private static readonly (string Action, string Label)[] Buttons = [("On", "On"), ("ForceOff", "Off"), ("ForceRestart", "Cycle"), ("PxeOnce", "PXE once")];

    /// <summary>
    /// The panel; <paramref name="embedded"/> numbers it on a page with several machines (a reservation's): its element ids
    /// get that suffix and its headings name the machine.
    /// </summary>
    public static async Task<Html> RenderAsync(HttpContext http, MachineRecord machine, IReadOnlyList<AuditEvent> events, CancellationToken ct, int? embedded = null)
    {
        var services = http.RequestServices;
        var lookup = services.GetRequiredService<IMachineConsoles>().Find(machine.Id);
        var canWrite = await MachineWriteAccess.RefusalAsync(DashboardSession.Current(http), machine.Id, services.GetRequiredService<IMachineHolders>(), ct) is null;
        var id = machine.Id;
        var h = new HtmlBuilder();
        var n = embedded is { } i ? "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
        var hx = embedded is null ? "h2" : "h3";
        var who = embedded is null ? "" : id + ": ";
        h.Add($"""<section aria-labelledby="console{n}"><{hx} id="console{n}">{who}Serial console</{hx}>""");
        if (lookup.Console is null) h.Add($"""<p>No live console: {lookup.Unsupported}</p>""");
        else
        {
            h.Add($"""<div class="console" data-console="/api/v1/machines/{Links.Esc(id)}/console/stream"><pre class="logtext" tabindex="0" data-console-output aria-label="console output" aria-live="off"></pre>""");
            h.Add($"""<p class="logmeta" data-console-state aria-live="polite"></p>""");
            if (canWrite)
                h.Add($"""<form method="post" action="{Links.Machine(id)}/console" data-console-input>{Layout.Csrf(http)}<label for="console-line{n}">Type a line</label><input id="console-line{n}" name="input" maxlength="{ConsoleEndpoints.MaxInputChars - 1}" autocomplete="off" spellcheck="false"><input type="hidden" name="newline" value="1"><button type="submit">Send</button><button type="button" data-console-key="&#x3;">Ctrl-C</button></form>""");
            else h.Add($"<p>Only the holder of this machine's reservation or an operator can type into its console.</p>");
            h.Add($"""<noscript><p>Scripts are off: <a href="/api/v1/machines/{Links.Esc(id)}/console">read the recent output as text</a>.</p></noscript></div>""");
        }
        h.Add($"</section>");

        h.Add($"""<section aria-labelledby="power{n}"><{hx} id="power{n}">{who}Power</{hx}>""");
        if (canWrite)
        {
            h.Add($"""<form method="post" action="{Links.Machine(id)}/power" class="actions">{Layout.Csrf(http)}""");
            foreach (var (action, label) in Buttons) h.Add($"""<button type="submit" name="action" value="{action}">{label}</button>""");
            h.Add($"</form>");
        }
        else h.Add($"<p>Only the holder of this machine's reservation or an operator can switch its power.</p>");
        var audit = events.Where(e => e.Kind is MachinePower.EventKind or ConsoleSessions.EventKind).Reverse().Take(50).ToList();
        if (audit.Count == 0) h.Add($"<p>No power action or console session recorded.</p>");
        else
        {
            h.Add($"""<table class="power-audit" data-power-audit><thead><tr><th scope="col">At</th><th scope="col">What</th><th scope="col">Who and result</th></tr></thead><tbody>""");
            foreach (var e in audit) h.Add($"""<tr><td>{Layout.Time(e.At)}</td><td>{(e.Kind == ConsoleSessions.EventKind ? "console " + e.To : e.To)}</td><td>{e.Reason}</td></tr>""");
            h.Add($"</tbody></table>");
        }
        h.Add($"</section>");
        return h.Build();
    }

    /// <summary>POST <c>/machines/{id}/console</c> from the panel: a line (and a line break unless <c>newline</c> is 0) typed into the console.</summary>
    public static async Task<IResult> InputAsync(string id, HttpContext http, SqlFarmStore store, IMachineConsoles consoles, IMachineHolders holders, ConsoleSessions sessions, CancellationToken ct)
    {
        id = Links.Segment(http, 1, 1);
        if ((await store.ListMachinesAsync(ct)).FirstOrDefault(m => m.Id == id) is not { } machine) return Layout.NotFound(http, $"no machine '{Problems.Echo(id)}' in the pool");
        var token = DashboardSession.Current(http);
        if (await MachineWriteAccess.RefusalAsync(token, id, holders, ct) is { } refusal) return Layout.Error(http, StatusCodes.Status403Forbidden, "Forbidden", refusal);
        var form = await http.Request.ReadFormAsync(ct);
        var input = form["input"].ToString() + (form["newline"].ToString() == "0" ? "" : "\n");
        var outcome = await ConsoleEndpoints.SendAsync(machine, input, token!.Name, "dashboard", consoles, sessions, ct);
        var json = http.Request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase);
        if (outcome.Session is null)
            return json ? Problems.Of(http, outcome.Status, outcome.Title, outcome.Detail, outcome.Field) : Layout.Error(http, outcome.Status, outcome.Title, outcome.Detail);
        return json ? Results.Json(new ConsoleInputView(id, outcome.Session, outcome.Bytes), statusCode: StatusCodes.Status202Accepted)
            : Results.Redirect(Links.Machine(id) + "#console", permanent: false);
    }

    /// <summary>POST <c>/machines/{id}/power</c> from the panel's buttons: the API's power path; back to the page, or why it failed.</summary>
    public static async Task<IResult> PowerAsync(string id, HttpContext http, SqlFarmStore store, IMachineHolders holders, MachinePower power, CancellationToken ct)
    {
        id = Links.Segment(http, 1, 1);
        if ((await store.ListMachinesAsync(ct)).FirstOrDefault(m => m.Id == id) is not { } machine) return Layout.NotFound(http, $"no machine '{Problems.Echo(id)}' in the pool");
        var token = DashboardSession.Current(http);
        if (await MachineWriteAccess.RefusalAsync(token, id, holders, ct) is { } refusal) return Layout.Error(http, StatusCodes.Status403Forbidden, "Forbidden", refusal);
        var form = await http.Request.ReadFormAsync(ct);
        if (MachinePower.Parse(form["action"].ToString()) is not { } action)
            return Layout.Error(http, StatusCodes.Status400BadRequest, "Bad action", $"action: expected one of {string.Join(", ", MachinePower.Actions)}, was {Problems.Quote(form["action"].ToString())}");
        var outcome = await power.ApplyAsync(machine, action, $"{token!.Name} (dashboard)", ct);
        return outcome.Succeeded ? Results.Redirect(Links.Machine(id) + "#power", permanent: false) : Layout.Error(http, outcome.Status, outcome.Title, outcome.Detail);
    }
}
