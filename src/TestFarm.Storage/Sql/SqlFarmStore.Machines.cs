using Dapper;
using TestFarm.Core.Machines;

namespace TestFarm.Storage.Sql;

public sealed partial class SqlFarmStore
{
    private const string MachineColumns = "id, profile, l2_domain, state, lease_id, updated_at";

    public Task RegisterAsync(IReadOnlyList<MachineRegistration> machines, CancellationToken ct = default) =>
        WriteAsync("register machines", async (c, tx) =>
        {
            var now = Now;
            foreach (var m in machines)
            {
                var updated = await c.ExecuteAsync("UPDATE machines SET profile = @Profile, l2_domain = @L2Domain WHERE id = @Id", m, tx).ConfigureAwait(false);
                if (updated > 0) continue;
                await c.ExecuteAsync("INSERT INTO machines (id, profile, l2_domain, state, lease_id, updated_at) VALUES (@Id, @Profile, @L2Domain, 'Available', NULL, @now)",
                    new { m.Id, m.Profile, m.L2Domain, now }, tx).ConfigureAwait(false);
                await InsertEventAsync(c, tx, "machine", m.Id, null, nameof(MachineState.Available), "registered from pool", null, now).ConfigureAwait(false);
            }
            return 0;
        }, ct);

    public Task<IReadOnlyList<MachineRecord>> ListMachinesAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<MachineRecord>>("list machines", async c =>
            (await c.QueryAsync<MachineRow>($"SELECT {MachineColumns} FROM machines ORDER BY id").ConfigureAwait(false)).Select(r => r.ToRecord()).ToList(), ct);

    public Task<MachineRecord> TransitionAsync(string machineId, MachineState to, string reason, CancellationToken ct = default) =>
        MoveAsync(machineId, null, to, reason, ct);

    public Task<MachineRecord> TransitionAsync(string machineId, MachineState from, MachineState to, string reason, CancellationToken ct = default) =>
        MoveAsync(machineId, from, to, reason, ct);

    private Task<MachineRecord> MoveAsync(string machineId, MachineState? from, MachineState to, string reason, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (from is { } f) MachineTransitions.Ensure(machineId, f, to);
        if (_db.Kind == Database.StoreKind.Postgres && to != MachineState.Reserved) return PgTransitionAsync(machineId, from, to, reason, ct);
        return WriteAsync("move machine " + machineId, async (c, tx) =>
        {
            var row = await c.QuerySingleOrDefaultAsync<MachineRow>($"SELECT {MachineColumns} FROM machines WHERE id = @machineId{_db.ForUpdate}", new { machineId }, tx).ConfigureAwait(false)
                ?? throw new KeyNotFoundException($"{_db.Place}: no machine '{machineId}'");
            if (from is { } expected && row.state != expected.ToString())
                throw new IllegalTransitionException($"machine {machineId} (is {row.state}, was expected {expected})", row.state, to.ToString());
            var machine = new Machine(row.id, row.profile, row.l2_domain, Enum.Parse<MachineState>(row.state), row.lease_id);
            var now = Now;
            var e = machine.MoveTo(to, reason, At(now), row.lease_id);
            if (row.lease_id is not null && machine.LeaseId is null)
            {
                await c.ExecuteAsync("DELETE FROM holds WHERE machine_id = @machineId", new { machineId }, tx).ConfigureAwait(false);
            }
            var n = await c.ExecuteAsync("UPDATE machines SET state = @to, lease_id = @lease, updated_at = @now WHERE id = @machineId AND state = @from",
                new { to = to.ToString(), lease = machine.LeaseId, now, machineId, from = row.state }, tx).ConfigureAwait(false);
            if (n != 1) throw new IllegalTransitionException($"machine {machineId} (changed concurrently)", row.state, to.ToString());
            await InsertEventAsync(c, tx, "machine", machineId, e.From.ToString(), e.To.ToString(), reason, row.lease_id, now).ConfigureAwait(false);
            StorageLog.Moved(_log, machineId, e.From, e.To, reason);
            return machine.State == to ? row.ToRecord() with { State = to, LeaseId = machine.LeaseId, UpdatedAt = At(now) } : row.ToRecord();
        }, ct);
    }
}
