using Microsoft.AspNetCore.Http;
using TestFarm.Core.Hardware;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Server.Hosting;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>
/// <c>/</c>: every machine as a tile, grouped by profile and arch, coloured by state, with its holder; counts per state;
/// filters <c>?state=</c> and <c>?profile=</c>. Tiles are kept rendered between requests (<see cref="FleetTiles"/>) and
/// rendered again only where a machine changed.
/// </summary>
internal static class FleetPage
{
    public static async Task<IResult> RenderAsync(HttpContext http, SqlFarmStore store, FarmServerOptions options, FleetTiles tiles, TimeProvider time, string? state, string? profile,
        CancellationToken ct)
    {
        if (state is not null && !Enum.TryParse<MachineState>(state, out _))
            return Layout.Error(http, StatusCodes.Status400BadRequest, "Bad filter", $"query 'state': '{Api.Problems.Echo(state)}' is not a machine state; one of {string.Join(", ", Enum.GetNames<MachineState>())}");
        var (machines, leases) = await tiles.ReadAsync(store, time, ct);
        var arch = new Dictionary<string, string>(StringComparer.Ordinal);
        return Layout.Page(http, "Fleet", "fleet", Render(machines, leases, p => arch.TryGetValue(p, out var a) ? a : arch[p] = Arch(options, p), state, profile, tiles));
    }

    /// <summary>The page body (the benchmark renders it for 10,000 machines).</summary>
    public static Html Render(IReadOnlyList<MachineRecord> machines, IReadOnlyDictionary<string, Lease> leases, Func<string, string> arch, string? state, string? profile,
        FleetTiles tiles)
    {
        // One pass: counts per state, every profile (for the filter), and the shown machines by profile, in id order.
        var byState = new int[Enum.GetValues<MachineState>().Length];
        var byProfile = new Dictionary<string, List<FleetTile>>(StringComparer.Ordinal);
        var profiles = new SortedSet<string>(StringComparer.Ordinal);
        var sorted = true;
        string? last = null;
        foreach (var m in machines)
        {
            if ((uint)m.State < (uint)byState.Length) byState[(int)m.State]++;
            profiles.Add(m.Profile);
            if (last is not null && string.CompareOrdinal(last, m.Id) > 0) sorted = false;
            last = m.Id;
            if ((state is not null && m.State.ToString() != state) || (profile is not null && m.Profile != profile)) continue;
            if (!byProfile.TryGetValue(m.Profile, out var list)) byProfile[m.Profile] = list = [];
            var lease = m.LeaseId is { } id ? leases.GetValueOrDefault(id) : null;
            var holder = lease is null ? "" : RequestRef.Cell(lease.RequestId) is { } c ? c.Run : lease.Holder;
            list.Add(new FleetTile(m.Id, m.State, holder));
        }

        var h = new HtmlBuilder();
        h.Add($"""<p class="summary">{machines.Count} machines · """);
        foreach (var s in Enum.GetValues<MachineState>())
            h.Add($"""<a class="chip s-{s}" href="{Links.Fleet(s.ToString(), profile)}">{s} {byState[(int)s]}</a> """);
        h.Add($"</p>");
        h.Add($"""
            <form class="filters" method="get" action="/"><label for="f-state">State</label><select id="f-state" name="state"><option value="">any</option>
            """);
        foreach (var s in Enum.GetNames<MachineState>())
            h.Add($"""<option{(s == state ? new Html(" selected") : Html.Empty)}>{s}</option>""");
        h.Add($"""</select><label for="f-profile">Profile</label><select id="f-profile" name="profile"><option value="">any</option>""");
        foreach (var p in profiles)
            h.Add($"""<option{(p == profile ? new Html(" selected") : Html.Empty)}>{p}</option>""");
        h.Add($"""</select><button type="submit">Filter</button> <a href="/">Clear</a></form>""");

        var groups = byProfile.Select(g => (Profile: g.Key, Arch: arch(g.Key), Tiles: g.Value))
            .OrderBy(g => g.Arch, StringComparer.Ordinal).ThenBy(g => g.Profile, StringComparer.Ordinal);
        var any = false;
        foreach (var g in groups)
        {
            any = true;
            var group = g.Tiles.ToArray();
            if (!sorted) Array.Sort(group, (a, b) => string.CompareOrdinal(a.Id, b.Id));
            tiles.AppendGroup(h, g.Profile, g.Arch, state, group);
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
