using Microsoft.AspNetCore.Http;
using TestFarm.Core.Hardware;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Server.Hosting;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>
/// <c>/</c>: every machine as a tile, grouped by profile and arch, coloured by state, with its holder; counts per state;
/// filters <c>?state=</c> and <c>?profile=</c>.
/// </summary>
internal static class FleetPage
{
    public static async Task<IResult> RenderAsync(HttpContext http, SqlFarmStore store, FarmServerOptions options, string? state, string? profile, CancellationToken ct)
    {
        if (state is not null && !Enum.TryParse<MachineState>(state, out _))
            return Layout.Error(http, StatusCodes.Status400BadRequest, "Bad filter", $"query 'state': '{Api.Problems.Echo(state)}' is not a machine state; one of {string.Join(", ", Enum.GetNames<MachineState>())}");
        var machines = await store.ListMachinesAsync(ct);
        var leases = (await store.ListLeasesAsync(activeOnly: true, ct)).ToDictionary(l => l.Id, StringComparer.Ordinal);
        var arch = new Dictionary<string, string>(StringComparer.Ordinal);
        return Layout.Page(http, "Fleet", "fleet", Render(machines, leases, p => arch.TryGetValue(p, out var a) ? a : arch[p] = Arch(options, p), state, profile));
    }

    /// <summary>The page body (the benchmark renders it for 10,000 machines).</summary>
    public static Html Render(IReadOnlyList<MachineRecord> machines, IReadOnlyDictionary<string, Lease> leases, Func<string, string> arch, string? state, string? profile)
    {
        var h = new HtmlBuilder();
        var byState = machines.GroupBy(m => m.State).ToDictionary(g => g.Key, g => g.Count());
        h.Add($"""<p class="summary">{machines.Count} machines · """);
        foreach (var s in Enum.GetValues<MachineState>())
            h.Add($"""<a class="chip s-{s}" href="{Links.Fleet(s.ToString(), profile)}">{s} {byState.GetValueOrDefault(s)}</a> """);
        h.Add($"</p>");
        var profiles = machines.Select(m => m.Profile).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        h.Add($"""
            <form class="filters" method="get" action="/"><label for="f-state">State</label><select id="f-state" name="state"><option value="">any</option>
            """);
        foreach (var s in Enum.GetNames<MachineState>())
            h.Add($"""<option{(s == state ? new Html(" selected") : Html.Empty)}>{s}</option>""");
        h.Add($"""</select><label for="f-profile">Profile</label><select id="f-profile" name="profile"><option value="">any</option>""");
        foreach (var p in profiles)
            h.Add($"""<option{(p == profile ? new Html(" selected") : Html.Empty)}>{p}</option>""");
        h.Add($"""</select><button type="submit">Filter</button> <a href="/">Clear</a></form>""");

        var shown = machines.Where(m => (state is null || m.State.ToString() == state) && (profile is null || m.Profile == profile));
        var groups = shown.GroupBy(m => (m.Profile, Arch: arch(m.Profile))).OrderBy(g => g.Key.Arch, StringComparer.Ordinal).ThenBy(g => g.Key.Profile, StringComparer.Ordinal);
        var any = false;
        foreach (var g in groups)
        {
            any = true;
            h.Add($"""<section class="group" aria-labelledby="g-{g.Key.Profile}"><h2 id="g-{g.Key.Profile}">{g.Key.Profile} <small>{g.Key.Arch} · {g.Count()}</small></h2><ul class="tiles">""");
            foreach (var m in g.OrderBy(m => m.Id, StringComparer.Ordinal))
            {
                var lease = m.LeaseId is { } id ? leases.GetValueOrDefault(id) : null;
                var holder = lease is null ? "" : RequestRef.Cell(lease.RequestId) is { } c ? c.Run : lease.Holder;
                h.Add($"""<li><a class="tile s-{m.State}" href="{Links.Machine(m.Id)}" data-machine="{m.Id}"><span class="mid">{m.Id}</span><span class="mstate">{m.State}</span><span class="mhold">{holder}</span><span class="mhealth">{Health(m.State)}</span></a></li>""");
            }
            h.Add($"</ul></section>");
        }
        if (!any) h.Add($"""<p class="empty">No machine matches.</p>""");
        return h.Build();
    }

    public static string Arch(FarmServerOptions options, string profile) =>
        options.Configuration.Profile(profile) is { } p ? (p.Arch == CpuArchitecture.Arm64 ? "arm64" : "amd64") : "unknown arch";

    public static string Health(MachineState state) => state switch
    {
        MachineState.Suspect => "suspect",
        MachineState.Quarantined => "quarantined",
        MachineState.Retired => "retired",
        _ => "healthy",
    };
}
