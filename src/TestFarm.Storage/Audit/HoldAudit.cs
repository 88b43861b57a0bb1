using Dapper;
using TestFarm.Storage.Database;

namespace TestFarm.Storage.Audit;

/// <summary>What an independent look at the tables found.</summary>
public sealed record HoldAuditReport(int DoubleHeldNow, int StaleHolds, int BrokenHistories, IReadOnlyList<string> Problems)
{
    public bool Clean => DoubleHeldNow == 0 && StaleHolds == 0 && BrokenHistories == 0;
}

/// <summary>
/// Checks the no-double-hold invariant with plain SQL, independent of the store's code: no machine in two
/// active holds now, no machine pointing at an ended lease, and every machine's audit history is one chain
/// (each change starts where the previous one ended), so no two leases ever took it in turn without a release.
/// </summary>
public static class HoldAudit
{
    public static async Task<HoldAuditReport> RunAsync(StoreDialect db, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct).ConfigureAwait(false);
        var problems = new List<string>();
        var doubles = (await c.QueryAsync<string>("SELECT machine_id FROM lease_machines WHERE active = 1 GROUP BY machine_id HAVING COUNT(*) > 1").ConfigureAwait(false)).ToList();
        problems.AddRange(doubles.Select(m => $"machine {m} has several active holds"));
        var stale = (await c.QueryAsync<string>(
            "SELECT m.id FROM machines m LEFT JOIN leases l ON l.id = m.lease_id WHERE m.lease_id IS NOT NULL AND (l.id IS NULL OR l.state <> 'Active')").ConfigureAwait(false)).ToList();
        problems.AddRange(stale.Select(m => $"machine {m} points at an ended or missing lease"));
        var events = await c.QueryAsync<(string subject, string? from_state, string to_state, long seq)>(
            "SELECT subject, from_state, to_state, seq FROM events WHERE kind = 'machine' ORDER BY subject, seq").ConfigureAwait(false);
        var broken = 0;
        foreach (var history in events.GroupBy(e => e.subject))
        {
            string? last = null;
            foreach (var e in history)
            {
                if (last is not null && e.from_state != last)
                {
                    broken++;
                    problems.Add($"machine {history.Key}: event {e.seq} moves from {e.from_state} but it was {last}");
                    break;
                }
                last = e.to_state;
            }
        }
        return new HoldAuditReport(doubles.Count, stale.Count, broken, problems);
    }
}
