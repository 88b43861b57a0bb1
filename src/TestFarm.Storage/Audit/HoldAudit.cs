using Dapper;
using TestFarm.Storage.Database;

namespace TestFarm.Storage.Audit;

/// <summary>What an independent look at the tables found.</summary>
public sealed record HoldAuditReport(int DoubleHeldNow, int StaleHolds, int BrokenHistories, IReadOnlyList<string> Problems)
{
    public bool Clean => DoubleHeldNow == 0 && StaleHolds == 0 && BrokenHistories == 0;
}

/// <summary>
/// Checks the no-double-hold invariant with plain SQL, independent of the store's code: no machine held by two
/// leases now (its hold row and its own lease_id agree), no hold for an ended lease, and every machine's audit
/// history is one chain (each change starts where the previous one ended), so no two leases ever took it in turn
/// without a release.
/// </summary>
public static class HoldAudit
{
    public static async Task<HoldAuditReport> RunAsync(StoreDialect db, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct).ConfigureAwait(false);
        var problems = new List<string>();
        // A machine is held through its hold row and its own lease_id: two different leases named there is a double hold.
        var doubles = (await c.QueryAsync<string>("""
            SELECT x.machine_id FROM (SELECT machine_id, lease_id FROM holds UNION ALL SELECT id, lease_id FROM machines WHERE lease_id IS NOT NULL) x
            GROUP BY x.machine_id HAVING COUNT(DISTINCT x.lease_id) > 1
            """).ConfigureAwait(false)).ToList();
        problems.AddRange(doubles.Select(m => $"machine {m} is held by several leases"));
        var stale = (await c.QueryAsync<string>("""
            SELECT m.id FROM machines m LEFT JOIN leases l ON l.id = m.lease_id WHERE m.lease_id IS NOT NULL AND (l.id IS NULL OR l.state <> 'Active')
            UNION SELECT h.machine_id FROM holds h LEFT JOIN leases l ON l.id = h.lease_id WHERE l.id IS NULL OR l.state <> 'Active'
            UNION SELECT h.machine_id FROM holds h JOIN machines m ON m.id = h.machine_id WHERE m.lease_id IS NULL
            UNION SELECT m.id FROM machines m LEFT JOIN holds h ON h.machine_id = m.id WHERE m.lease_id IS NOT NULL AND h.machine_id IS NULL
            """).ConfigureAwait(false)).ToList();
        problems.AddRange(stale.Select(m => $"machine {m} is held for an ended or missing lease, or its hold row and lease_id disagree"));
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
