using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Machines;
using TestFarm.Server.Api;
using TestFarm.Server.Auth;
using TestFarm.Server.Dashboard.Access;
using TestFarm.Server.Dashboard.Logs;
using TestFarm.Server.Hosting;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>
/// <c>/machines/{id}</c>: profile and firmware, health rounds, the state events (the audit log: who moved it and why), the
/// current lease and the cell using it, the console log when there is one; for operators the drain / repair / retire forms.
/// </summary>
internal static class MachinePage
{
    public static async Task<IResult> RenderAsync(string id, HttpContext http, SqlFarmStore store, FarmServerOptions options, ConsoleLogs consoles, TimeProvider time, CancellationToken ct)
    {
        id = Links.Segment(http, 1, 1);
        var machine = (await store.ListMachinesAsync(ct)).FirstOrDefault(m => m.Id == id);
        if (machine is null) return Layout.NotFound(http, $"no machine '{Problems.Echo(id)}' in the pool");
        var now = time.GetUtcNow();
        var h = new HtmlBuilder();
        h.Add($"""<p>{Layout.Badge(machine.State.ToString())} since {Layout.Time(machine.UpdatedAt)} · L2 domain {machine.L2Domain} · health {FleetPage.Health(machine.State)}</p>""");

        var lease = machine.LeaseId is { } lid ? (await store.ListLeasesAsync(activeOnly: false, ct)).FirstOrDefault(l => l.Id == lid) : null;
        h.Add($"""<section aria-labelledby="lease"><h2 id="lease">Current lease</h2>""");
        if (lease is null) h.Add($"<p>None: the machine is not held.</p>");
        else h.Add($"""<dl class="kv"><dt>Lease</dt><dd>{lease.Id} ({lease.State})</dd><dt>Holder</dt><dd>{lease.Holder}</dd><dt>Cell</dt><dd>{RequestRef.Link(lease.RequestId)}</dd><dt>Granted</dt><dd>{Layout.Time(lease.GrantedAt)} ({Layout.Ago(lease.GrantedAt, now)})</dd><dt>Expires</dt><dd>{Layout.Time(lease.ExpiresAt)}</dd></dl>""");
        h.Add($"</section>");

        if (DashboardSession.Current(http) is { Role: >= ApiRole.Operator })
        {
            h.Add($"""<section aria-labelledby="actions"><h2 id="actions">Operator actions</h2><div class="actions">""");
            foreach (var (action, label, to) in new[] { ("drain", "Drain (to Quarantined)", MachineState.Quarantined), ("repair", "Repair (to Cleaning)", MachineState.Cleaning), ("retire", "Retire", MachineState.Retired) })
            {
                var allowed = !MachineTransitions.IsHeld(machine.State) && MachineTransitions.IsAllowed(machine.State, to);
                h.Add($"""<form method="post" action="{Links.Machine(id)}/{action}">{Layout.Csrf(http)}<label for="r-{action}">Reason</label><input id="r-{action}" name="reason" maxlength="1000" required><button type="submit"{(allowed ? Html.Empty : new Html(" disabled title=\"not allowed from this state\""))}>{label}</button></form>""");
            }
            h.Add($"</div></section>");
        }

        var allEvents = await store.ReadAsync(id, 0, 1000, ct);
        // The live console (when the machine's backend has one) with power and their audit; else the kept console log.
        h.Add(await MachineConsolePanel.RenderAsync(http, machine, allEvents, ct));
        if (consoles.PathFor(id) is not null)
            h.Add($"""<section aria-labelledby="console-log"><h2 id="console-log">Serial console log</h2>{LogViewer.Render(Links.ConsoleLog(id), "console-" + id, follow: true)}</section>""");

        h.Add($"""<section aria-labelledby="profile"><h2 id="profile">Profile {machine.Profile}</h2>""");
        if (options.Configuration.Profile(machine.Profile) is { } p)
        {
            h.Add($"""<dl class="kv"><dt>Arch</dt><dd>{FleetPage.Arch(options, p.Name)}</dd><dt>CPU</dt><dd>{p.Cpu.Sockets} × {p.Cpu.Vendor} {p.Cpu.Model}, {p.Cpu.Cores} cores</dd><dt>Memory</dt><dd>{p.MemoryGiB} GiB</dd>""");
            foreach (var n in p.Nics) h.Add($"""<dt>NIC ({n.Role})</dt><dd>{n.Count} × {n.Vendor} {n.Model} ({n.Driver}, {n.SpeedGbps} Gb/s, {n.Ports} ports)</dd>""");
            foreach (var s in p.Storage) h.Add($"""<dt>Storage</dt><dd>{s.Kind} {s.SizeGB} GB</dd>""");
            h.Add($"""<dt>Firmware</dt><dd>BIOS {p.Firmware.Bios ?? "—"} · BMC {p.Firmware.Bmc ?? "—"} · NIC {p.Firmware.Nic ?? "—"}</dd></dl>""");
        }
        else h.Add($"<p>The farm's configuration has no such profile.</p>");
        h.Add($"</section>");

        var rounds = await store.ReadHealthAsync(id, 20, ct);
        var observed = await store.ReadInventoryAsync(id, ct);
        if (options.Configuration.Profile(machine.Profile) is { } declared)
            h.Add($"""<section aria-labelledby="inventory"><h2 id="inventory">Inventory and drift</h2>{InventoryPanel.Render(declared, InventoryPanel.Last(rounds, allEvents), observed)}</section>""");
        h.Add($"""<section aria-labelledby="health"><h2 id="health">Health rounds</h2>""");
        if (rounds.Count == 0) h.Add($"<p>No health round recorded.</p>");
        else
        {
            h.Add($"""<table><thead><tr><th scope="col">At</th><th scope="col">Grade</th><th scope="col">Checks</th></tr></thead><tbody>""");
            foreach (var r in rounds)
                h.Add($"""<tr><td>{Layout.Time(r.At)}</td><td>{r.Health.Grade}</td><td>{string.Join("; ", r.Checks.Select(c => $"{c.Check} {(c.Passed ? "ok" : "FAILED")}{(c.Detail is null ? "" : ": " + c.Detail)}"))}</td></tr>""");
            h.Add($"</tbody></table>");
        }
        h.Add($"</section>");

        var events = allEvents.Where(e => e.Kind == "machine").Reverse().ToList();
        h.Add($"""<section aria-labelledby="events"><h2 id="events">State events (audit log)</h2><table class="events"><thead><tr><th scope="col">#</th><th scope="col">At</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Why</th><th scope="col">Lease</th></tr></thead><tbody>""");
        foreach (var e in events)
            h.Add($"""<tr><td>{e.Seq}</td><td>{Layout.Time(e.At)}</td><td>{e.From ?? "—"}</td><td>{Layout.Badge(e.To)}</td><td>{e.Reason}</td><td>{e.LeaseId ?? ""}</td></tr>""");
        h.Add($"</tbody></table></section>");
        return Layout.Page(http, $"Machine {id}", "fleet", h.Build());
    }

    /// <summary>POST <c>/machines/{id}/{action}</c> from the page's form: the API's action path; back to the page, or the reason it was refused.</summary>
    public static async Task<IResult> ActAsync(string id, string action, HttpContext http, SqlFarmStore store, ILoggerFactory loggers, CancellationToken ct)
    {
        id = Links.Segment(http, 1, 1);
        MachineState? to = action switch { "drain" => MachineState.Quarantined, "repair" => MachineState.Cleaning, "retire" => MachineState.Retired, _ => null };
        if (to is null) return Layout.NotFound(http, $"no action '{Problems.Echo(action)}'; the actions are drain, repair and retire");
        var form = await http.Request.ReadFormAsync(ct);
        var reason = form["reason"].ToString();
        var who = DashboardSession.Current(http)?.Name ?? "?";
        var outcome = await PoolEndpoints.ApplyAsync(store, loggers, id, action, to.Value, reason, $"{who} (dashboard)", ct);
        if (outcome.Moved is null) return Layout.Error(http, outcome.Status, outcome.Title, outcome.Detail);
        return Results.Redirect(Links.Machine(id) + "#events", permanent: false);
    }
}
