using System.Text;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Dashboard.Pages;

/// <summary>One tile of the fleet page, as much as its markup depends on.</summary>
internal readonly record struct FleetTile(string Id, MachineState State, string Holder);

/// <summary>
/// The fleet page's tiles, kept rendered between requests in runs of <see cref="Chunk"/> (per profile, arch and filter): a render
/// compares each run's tiles with the kept ones (exactly, no hash) and writes the kept markup when they are equal, so a page
/// over 10,000 machines renders again only the runs in which a machine changed. At most <see cref="MaxRuns"/> runs are kept
/// (all dropped when full); the last read of the machines is kept too (<see cref="ReadAsync"/>). Thread-safe; one per farm.
/// </summary>
internal sealed class FleetTiles
{
    public const int Chunk = 64;
    public const int MaxRuns = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Profile, string Arch, string? State, int Run), (FleetTile[] Tiles, string Html)> _runs = [];

    /// <summary>
    /// The machines and active leases: read from the store, or the last read again while the store's change version is the same
    /// (no write by this instance since) and it is younger than <see cref="Live.LiveEndpoints.Fallback"/> (writes by other
    /// instances on a shared database show within that, as on the live pages).
    /// </summary>
    public async Task<(IReadOnlyList<MachineRecord> Machines, IReadOnlyDictionary<string, Lease> Leases)> ReadAsync(SqlFarmStore store, TimeProvider time, CancellationToken ct)
    {
        var version = store.Changes.Version; // taken before the read: a write during it makes the next read go to the store
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_read is { } r && r.Version == version && now - r.At < Live.LiveEndpoints.Fallback && now >= r.At) return (r.Machines, r.Leases);
        }
        var machines = await store.ListMachinesAsync(ct);
        var leases = (await store.ListLeasesAsync(activeOnly: true, ct)).ToDictionary(l => l.Id, StringComparer.Ordinal);
        lock (_lock) _read = new Read(version, now, machines, leases);
        return (machines, leases);
    }

    private sealed record Read(long Version, DateTimeOffset At, IReadOnlyList<MachineRecord> Machines, IReadOnlyDictionary<string, Lease> Leases);

    private Read? _read;

    /// <summary>Appends one group's section (heading and tiles) to <paramref name="h"/>, reusing the runs of tiles that did not change.</summary>
    public void AppendGroup(HtmlBuilder h, string profile, string arch, string? state, FleetTile[] tiles)
    {
        h.Add($"""<section class="group" aria-labelledby="g-{profile}"><h2 id="g-{profile}">{profile} <small>{arch} · {tiles.Length}</small></h2><ul class="tiles">""");
        for (var at = 0; at < tiles.Length; at += Chunk)
        {
            var run = tiles.AsSpan(at, Math.Min(Chunk, tiles.Length - at));
            var key = (profile, arch, state, at / Chunk);
            string? html = null;
            lock (_lock)
            {
                if (_runs.TryGetValue(key, out var kept) && kept.Tiles.AsSpan().SequenceEqual(run)) html = kept.Html;
            }
            if (html is null)
            {
                html = Render(run);
                lock (_lock)
                {
                    if (_runs.Count >= MaxRuns && !_runs.ContainsKey(key)) _runs.Clear();
                    _runs[key] = (run.ToArray(), html);
                }
            }
            h.Add(new Html(html));
        }
        h.Add($"</ul></section>");
    }

    /// <summary>A run of tiles, written straight into one builder (no string per tile).</summary>
    internal static string Render(ReadOnlySpan<FleetTile> tiles)
    {
        var sb = new StringBuilder(tiles.Length * 240);
        foreach (var t in tiles)
        {
            var state = t.State.ToString();
            sb.Append("<li><a class=\"tile s-").Append(state).Append("\" href=\"/machines/");
            HtmlBuilder.AppendEncoded(sb, Links.Esc(t.Id));
            sb.Append("\" data-machine=\"");
            HtmlBuilder.AppendEncoded(sb, t.Id);
            sb.Append("\"><span class=\"mid\">");
            HtmlBuilder.AppendEncoded(sb, t.Id);
            sb.Append("</span><span class=\"mstate\">").Append(state).Append("</span><span class=\"mhold\">");
            HtmlBuilder.AppendEncoded(sb, t.Holder);
            sb.Append("</span><span class=\"mhealth\">").Append(FleetPage.Health(t.State)).Append("</span></a></li>");
        }
        return sb.ToString();
    }
}
