using System.Data.Common;
using Dapper;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Scheduling;
using TestFarm.Storage.Database;

namespace TestFarm.Storage.Sql;

public sealed partial class SqlFarmStore
{
    public async Task<ClaimResult> ClaimMachinesAsync(string holder, string requestId, IReadOnlyList<string> machineIds, TimeSpan ttl, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        if (machineIds.Count == 0 || machineIds.Distinct(StringComparer.Ordinal).Count() != machineIds.Count)
            return ClaimResult.Refused("machine list is empty or has duplicates");
        if (UsePgFastPath) return await PgClaimMachinesAsync(holder, requestId, machineIds, ttl, ct).ConfigureAwait(false);
        return await ClaimCoreAsync(holder, requestId, ttl, async (c, tx) =>
        {
            var rows = (await c.QueryAsync<MachineRow>($"SELECT {MachineColumns} FROM machines WHERE {_db.InList("id", "machineIds")} ORDER BY id{_db.ForUpdate}", new { machineIds = machineIds.ToArray() }, tx).ConfigureAwait(false)).ToList();
            var missing = machineIds.Except(rows.Select(r => r.id), StringComparer.Ordinal).ToList();
            if (missing.Count > 0) return (null, $"unknown machines: {string.Join(", ", missing)}");
            var busy = rows.Where(r => r.state != nameof(MachineState.Available)).Select(r => $"{r.id} is {r.state}").ToList();
            return busy.Count > 0 ? (null, "not all machines available: " + string.Join(", ", busy)) : (machineIds, null);
        }, ct).ConfigureAwait(false);
    }

    public async Task<ClaimResult> ClaimAsync(string holder, ReservationRequest request, GangChooser chooser, TimeSpan ttl, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        if (ttl <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "lease TTL must be positive");
        if (UsePgFastPath) return await PgClaimAsync(holder, request, chooser, ttl, ct).ConfigureAwait(false);
        return await ClaimCoreAsync(holder, request.Id, ttl, async (c, tx) =>
        {
            // Choose among Available rows without locking them all, then lock just the chosen ones, skipping rows
            // another claimer holds; retry around the skipped ones a few times.
            var sql = $"SELECT {MachineColumns} FROM machines WHERE state = 'Available'" + (request.Profile is null ? "" : " AND profile = @Profile") + " ORDER BY id";
            var rows = (await c.QueryAsync<MachineRow>(sql, new { request.Profile }, tx).ConfigureAwait(false)).Select(r => r.ToRecord()).ToList();
            if (_db.Kind == StoreKind.Postgres && rows.Count > 0)
            {
                // Concurrent claimers start at different rows so they do not all fight over the first ones.
                var offset = Random.Shared.Next(rows.Count);
                rows = [.. rows.Skip(offset), .. rows.Take(offset)];
            }
            var skipped = new HashSet<string>(StringComparer.Ordinal);
            for (var attempt = 0; attempt < 8; attempt++)
            {
                var choice = chooser.Choose(request, rows.Where(r => !skipped.Contains(r.Id)).ToList());
                if (choice is null) break;
                if (_db.Kind == StoreKind.Sqlite) return (choice.MachineIds, null);
                var ids = choice.MachineIds.ToArray();
                var locked = (await c.QueryAsync<string>($"SELECT id FROM machines WHERE {_db.InList("id", "ids")} AND state = 'Available'{_db.ForUpdateSkipLocked}",
                    new { ids }, tx).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
                if (locked.Count == ids.Length) return (choice.MachineIds, null);
                skipped.UnionWith(ids.Where(id => !locked.Contains(id)));
            }
            return (null, $"request {request.Id}: {rows.Count - skipped.Count} available machines (not locked by others) cannot satisfy it");
        }, ct).ConfigureAwait(false);
    }

    private sealed class ClaimRefused(string reason) : Exception(reason);

    private async Task<ClaimResult> ClaimCoreAsync(string holder, string requestId, TimeSpan ttl,
        Func<DbConnection, DbTransaction, Task<(IReadOnlyList<string>? Ids, string? Refusal)>> pick, CancellationToken ct)
    {
        if (ttl <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "lease TTL must be positive");
        try
        {
            return await ClaimTransactionAsync(holder, requestId, ttl, pick, ct).ConfigureAwait(false);
        }
        catch (ClaimRefused e)
        {
            return ClaimResult.Refused(e.Message);
        }
        catch (DbException e) when (_db.IsUniqueViolation(e))
        {
            return ClaimResult.Refused("a machine is already held by another lease (refused by the database)");
        }
    }

    private Task<ClaimResult> ClaimTransactionAsync(string holder, string requestId, TimeSpan ttl,
        Func<DbConnection, DbTransaction, Task<(IReadOnlyList<string>? Ids, string? Refusal)>> pick, CancellationToken ct)
    {
        return WriteAsync("claim " + requestId, async (c, tx) =>
        {
            var (ids, refusal) = await pick(c, tx).ConfigureAwait(false);
            if (ids is null) throw new ClaimRefused(refusal!);
            var now = Now;
            var lease = new Lease
            {
                Id = NewLeaseId(), Holder = holder, RequestId = requestId, Machines = ids, Ttl = ttl,
                GrantedAt = At(now), ExpiresAt = At(now) + ttl,
            };
            await c.ExecuteAsync("INSERT INTO leases (id, holder, request_id, ttl_ms, granted_at, expires_at, state, machines) VALUES (@Id, @Holder, @RequestId, @ttl, @granted, @expires, 'Active', @machines)",
                new
                {
                    lease.Id, lease.Holder, lease.RequestId, ttl = (long)ttl.TotalMilliseconds, granted = now, expires = lease.ExpiresAt.ToUnixTimeMilliseconds(),
                    machines = StorageJson.MachineIds([.. ids.Order(StringComparer.Ordinal)]),
                }, tx).ConfigureAwait(false);
            foreach (var id in ids)
            {
                try
                {
                    await c.ExecuteAsync("INSERT INTO holds (machine_id, lease_id) VALUES (@id, @lease)", new { lease = lease.Id, id }, tx).ConfigureAwait(false);
                }
                catch (DbException e) when (_db.IsUniqueViolation(e))
                {
                    throw new ClaimRefused($"machine {id} is already held by another lease (refused by the database)");
                }
                var n = await c.ExecuteAsync("UPDATE machines SET state = 'Reserved', lease_id = @lease, updated_at = @now WHERE id = @id AND state = 'Available'",
                    new { lease = lease.Id, now, id }, tx).ConfigureAwait(false);
                if (n != 1) throw new ClaimRefused($"machine {id} was taken concurrently");
                await InsertEventAsync(c, tx, "machine", id, nameof(MachineState.Available), nameof(MachineState.Reserved), $"claimed for {requestId} by {holder}", lease.Id, now).ConfigureAwait(false);
            }
            await InsertEventAsync(c, tx, "lease", lease.Id, null, nameof(LeaseState.Active), $"granted to {holder} for {requestId}: {string.Join(",", ids)}", lease.Id, now).ConfigureAwait(false);
            if (BeforeClaimCommit is { } hook) await hook(c).ConfigureAwait(false);
            StorageLog.Granted(_log, lease.Id, holder, requestId, ids);
            return new ClaimResult(lease, null);
        }, ct);
    }

    public Task<Lease> HeartbeatAsync(string leaseId, string holder, CancellationToken ct = default) =>
        BeatAsync(leaseId, (lease, now) => lease.Heartbeat(holder, now), ct);

    public Task<Lease> HoldUntilAsync(string leaseId, string holder, DateTimeOffset until, CancellationToken ct = default) =>
        BeatAsync(leaseId, (lease, now) => lease.HoldUntil(holder, now, until), ct);

    private Task<Lease> BeatAsync(string leaseId, Func<Lease, DateTimeOffset, Lease> beatAt, CancellationToken ct) =>
        WriteAsync("heartbeat " + leaseId, async (c, tx) =>
        {
            var lease = await LoadLeaseAsync(c, tx, leaseId, lockRow: true).ConfigureAwait(false)
                ?? throw new LeaseRefusedException(leaseId, LeaseRefusal.NotFound, $"{_db.Place}: no lease '{leaseId}'");
            var beat = beatAt(lease, At(Now));
            await c.ExecuteAsync("UPDATE leases SET expires_at = @e WHERE id = @leaseId AND state = 'Active'",
                new { e = beat.ExpiresAt.ToUnixTimeMilliseconds(), leaseId }, tx).ConfigureAwait(false);
            return beat;
        }, ct);

    public Task<Lease> ReleaseAsync(string leaseId, string holder, string reason, CancellationToken ct = default) =>
        _db.Kind == StoreKind.Postgres ? PgReleaseAsync(leaseId, holder, reason, ct) : WriteAsync("release " + leaseId, async (c, tx) =>
        {
            var lease = await LoadLeaseAsync(c, tx, leaseId, lockRow: true).ConfigureAwait(false)
                ?? throw new LeaseRefusedException(leaseId, LeaseRefusal.NotFound, $"{_db.Place}: no lease '{leaseId}'");
            var ended = lease.Release(holder, At(Now), reason);
            await EndLeaseAsync(c, tx, ended).ConfigureAwait(false);
            return ended;
        }, ct);

    public Task<IReadOnlyList<Lease>> ReapExpiredAsync(CancellationToken ct = default) =>
        WriteAsync<IReadOnlyList<Lease>>("reap", async (c, tx) =>
        {
            var now = Now;
            var ids = (await c.QueryAsync<string>($"SELECT id FROM leases WHERE state = 'Active' AND expires_at <= @now ORDER BY id{_db.ForUpdateSkipLocked}", new { now }, tx).ConfigureAwait(false)).ToList();
            var reaped = new List<Lease>();
            foreach (var id in ids)
            {
                var lease = await LoadLeaseAsync(c, tx, id, lockRow: false).ConfigureAwait(false);
                if (lease is null || !lease.IsExpired(At(now))) continue;
                var ended = lease.Reap(At(now));
                await EndLeaseAsync(c, tx, ended).ConfigureAwait(false);
                StorageLog.Reaped(_log, ended.Id, ended.Holder, ended.EndReason!, ended.Machines);
                reaped.Add(ended);
            }
            return reaped;
        }, ct);

    public Task<Lease?> ReclaimAsync(string leaseId, string holder, DateTimeOffset grantedBefore, string reason, CancellationToken ct = default) =>
        WriteAsync<Lease?>("reclaim " + leaseId, async (c, tx) =>
        {
            var lease = await LoadLeaseAsync(c, tx, leaseId, lockRow: true).ConfigureAwait(false);
            if (lease is not { State: LeaseState.Active } || !string.Equals(lease.Holder, holder, StringComparison.Ordinal) || lease.GrantedAt >= grantedBefore) return null;
            var ended = lease.Reclaim(holder, At(Now), reason);
            await EndLeaseAsync(c, tx, ended).ConfigureAwait(false);
            StorageLog.Reaped(_log, ended.Id, ended.Holder, ended.EndReason!, ended.Machines);
            return ended;
        }, ct);

    /// <summary>Writes the end of a lease: machines still held by it go to Cleaning, holds are released, all audited.</summary>
    private static async Task EndLeaseAsync(DbConnection c, DbTransaction tx, Lease ended)
    {
        var now = ended.EndedAt!.Value.ToUnixTimeMilliseconds();
        var reason = $"lease {ended.Id} {ended.State.ToString().ToLowerInvariant()}: {ended.EndReason}";
        var held = (await c.QueryAsync<MachineRow>($"SELECT {MachineColumns} FROM machines WHERE lease_id = @Id ORDER BY id", new { ended.Id }, tx).ConfigureAwait(false)).ToList();
        foreach (var row in held)
        {
            var m = new Machine(row.id, row.profile, row.l2_domain, Enum.Parse<MachineState>(row.state), row.lease_id);
            var e = m.MoveTo(MachineState.Cleaning, reason, At(now));
            await c.ExecuteAsync("UPDATE machines SET state = 'Cleaning', lease_id = NULL, updated_at = @now WHERE id = @id", new { now, row.id }, tx).ConfigureAwait(false);
            await InsertEventAsync(c, tx, "machine", row.id, e.From.ToString(), e.To.ToString(), reason, ended.Id, now).ConfigureAwait(false);
        }
        await c.ExecuteAsync("DELETE FROM holds WHERE lease_id = @Id", new { ended.Id }, tx).ConfigureAwait(false);
        await c.ExecuteAsync("UPDATE leases SET state = @state, ended_at = @now, end_reason = @EndReason WHERE id = @Id",
            new { state = ended.State.ToString(), now, ended.EndReason, ended.Id }, tx).ConfigureAwait(false);
        await InsertEventAsync(c, tx, "lease", ended.Id, nameof(LeaseState.Active), ended.State.ToString(), ended.EndReason!, ended.Id, now).ConfigureAwait(false);
    }

    public Task<Lease?> GetLeaseAsync(string leaseId, CancellationToken ct = default) =>
        ReadAsync("get lease " + leaseId, c => LoadLeaseAsync(c, null, leaseId, lockRow: false), ct);

    public Task<IReadOnlyList<Lease>> ListLeasesAsync(bool activeOnly, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<Lease>>("list leases", async c =>
        {
            var ids = await c.QueryAsync<string>("SELECT id FROM leases" + (activeOnly ? " WHERE state = 'Active'" : "") + " ORDER BY granted_at, id").ConfigureAwait(false);
            var list = new List<Lease>();
            foreach (var id in ids) list.Add((await LoadLeaseAsync(c, null, id, lockRow: false).ConfigureAwait(false))!);
            return list;
        }, ct);

    private async Task<Lease?> LoadLeaseAsync(DbConnection c, DbTransaction? tx, string leaseId, bool lockRow)
    {
        var r = await c.QuerySingleOrDefaultAsync<LeaseRow>(
            "SELECT id, holder, request_id, ttl_ms, granted_at, expires_at, state, ended_at, end_reason, machines FROM leases WHERE id = @leaseId" + (lockRow ? _db.ForUpdate : ""),
            new { leaseId }, tx).ConfigureAwait(false);
        if (r is null) return null;
        return new Lease
        {
            Id = r.id, Holder = r.holder, RequestId = r.request_id, Machines = StorageJson.MachineIds(r.machines), Ttl = TimeSpan.FromMilliseconds(r.ttl_ms),
            GrantedAt = At(r.granted_at), ExpiresAt = At(r.expires_at), State = Enum.Parse<LeaseState>(r.state),
            EndedAt = r.ended_at is { } e ? At(e) : null, EndReason = r.end_reason,
        };
    }
}
