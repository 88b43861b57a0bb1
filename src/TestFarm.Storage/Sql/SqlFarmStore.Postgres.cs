using System.Data.Common;
using Dapper;
using Npgsql;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Scheduling;
using TestFarm.Storage.Database;
using TestFarm.Storage.Migrations;

namespace TestFarm.Storage.Sql;

/// <summary>
/// PostgreSQL fast paths: a claim, a release and a machine move are each one statement (one round trip, one short
/// transaction) through the functions of <see cref="PostgresFunctions"/>. The Core state machines still decide:
/// the SQL only moves from states they allow, and a refusal is re-raised by them with their own message.
/// </summary>
public sealed partial class SqlFarmStore
{
    private bool UsePgFastPath => _db.Kind == StoreKind.Postgres && BeforeClaimCommit is null;

    private async Task<ClaimResult> PgClaimAsync(string holder, ReservationRequest request, GangChooser chooser, TimeSpan ttl, CancellationToken ct)
    {
        if (chooser.AnyMachinesOfProfileFit(request))
        {
            var (lease, _) = await PgClaimOnceAsync(holder, request.Id, ttl, null, request.Profile, request.MachineCount, ct).ConfigureAwait(false);
            return lease is not null ? new ClaimResult(lease, null)
                : ClaimResult.Refused($"request {request.Id}: the available machines of profile {request.Profile} (not locked by others) cannot satisfy it: it needs {request.MachineCount}");
        }
        // General gangs: read the candidates without locks, choose in Core, claim the choice; around rows another
        // claimer locked or took in between, choose again a few times.
        var sql = $"SELECT {MachineColumns} FROM machines WHERE state = 'Available'" + (request.Profile is null ? "" : " AND profile = @Profile") + " ORDER BY id";
        var rows = await ReadAsync("claim candidates " + request.Id, async c =>
            (await c.QueryAsync<MachineRow>(sql, new { request.Profile }).ConfigureAwait(false)).Select(r => r.ToRecord()).ToList(), ct).ConfigureAwait(false);
        if (rows.Count > 0)
        {
            var offset = Random.Shared.Next(rows.Count);
            rows = [.. rows.Skip(offset), .. rows.Take(offset)];
        }
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var choice = chooser.Choose(request, rows.Where(r => !skipped.Contains(r.Id)).ToList());
            if (choice is null) break;
            var (lease, locked) = await PgClaimOnceAsync(holder, request.Id, ttl, choice.MachineIds, null, choice.MachineIds.Count, ct).ConfigureAwait(false);
            if (lease is not null) return new ClaimResult(lease, null);
            var got = locked.ToHashSet(StringComparer.Ordinal);
            skipped.UnionWith(choice.MachineIds.Where(id => !got.Contains(id)));
        }
        return ClaimResult.Refused($"request {request.Id}: {rows.Count - skipped.Count} available machines (not locked by others) cannot satisfy it");
    }

    private async Task<ClaimResult> PgClaimMachinesAsync(string holder, string requestId, IReadOnlyList<string> machineIds, TimeSpan ttl, CancellationToken ct)
    {
        var (lease, locked) = await PgClaimOnceAsync(holder, requestId, ttl, machineIds, null, machineIds.Count, ct).ConfigureAwait(false);
        if (lease is not null) return new ClaimResult(lease, null);
        var states = await ReadAsync("claim refusal " + requestId, async c =>
            (await c.QueryAsync<(string id, string state)>("SELECT id, state FROM machines WHERE id = ANY(@ids)", new { ids = machineIds.ToArray() }).ConfigureAwait(false))
                .ToDictionary(r => r.id, r => r.state, StringComparer.Ordinal), ct).ConfigureAwait(false);
        var missing = machineIds.Where(id => !states.ContainsKey(id)).ToList();
        if (missing.Count > 0) return ClaimResult.Refused($"unknown machines: {string.Join(", ", missing)}");
        var got = locked.ToHashSet(StringComparer.Ordinal);
        var busy = machineIds.Where(id => !got.Contains(id)).Select(id => states[id] == nameof(MachineState.Available) ? $"{id} is locked by another claim" : $"{id} is {states[id]}");
        return ClaimResult.Refused("not all machines available: " + string.Join(", ", busy));
    }

    /// <summary>One call of <c>tf_claim</c>: the granted lease, or null and the machines it could lock.</summary>
    private async Task<(Lease? Lease, IReadOnlyList<string> Locked)> PgClaimOnceAsync(string holder, string requestId, TimeSpan ttl,
        IReadOnlyList<string>? ids, string? profile, int count, CancellationToken ct)
    {
        if (ttl <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "lease TTL must be positive");
        var leaseId = NewLeaseId();
        var now = Now;
        var ttlMs = (long)ttl.TotalMilliseconds;
        try
        {
            bool granted;
            string[]? claimed;
            if (ids is null)
            {
                claimed = await _claims!.RunAsync(new ClaimItem(leaseId, holder, requestId, ttlMs, now, profile!, count), ct).ConfigureAwait(false);
                granted = claimed is not null;
            }
            else
            {
                (granted, claimed) = await PgStatementAsync("claim " + requestId, c => c.QuerySingleAsync<(bool, string[]?)>(
                    "SELECT o_granted, o_ids FROM tf_claim(@leaseId, @holder, @requestId, @ttlMs, @now, @ids, NULL, @count)",
                    new { leaseId, holder, requestId, ttlMs, now, ids = ids.ToArray(), count }), ct).ConfigureAwait(false);
            }
            if (!granted) return (null, claimed ?? []);
            var lease = new Lease
            {
                Id = leaseId, Holder = holder, RequestId = requestId, Machines = claimed!, Ttl = ttl, GrantedAt = At(now), ExpiresAt = At(now) + ttl,
            };
            StorageLog.Granted(_log, lease.Id, holder, requestId, lease.Machines);
            return (lease, claimed!);
        }
        catch (PostgresException e) when (_db.IsUniqueViolation(e))
        {
            return (null, []);
        }
    }

    private async Task<Lease> PgReleaseAsync(string leaseId, string holder, string reason, CancellationToken ct)
    {
        var now = Now;
        var r = await _releases!.RunAsync(new ReleaseItem(leaseId, holder, reason, now), ct).ConfigureAwait(false);
        if (r.o_status == "missing") throw new LeaseRefusedException(leaseId, LeaseRefusal.NotFound, $"{_db.Place}: no lease '{leaseId}'");
        var lease = new Lease
        {
            Id = leaseId, Holder = r.o_holder!, RequestId = r.o_request!, Machines = r.o_machines ?? [], Ttl = TimeSpan.FromMilliseconds(r.o_ttl_ms!.Value),
            GrantedAt = At(r.o_granted_at!.Value), ExpiresAt = At(r.o_expires_at!.Value),
        };
        if (r.o_status == "ok") return lease.Release(holder, At(now), reason);
        // Refused by the database: the lease itself says why (foreign or ended), as on every other store.
        var ended = lease with { State = Enum.Parse<LeaseState>(r.o_state!), EndedAt = r.o_ended_at is { } e ? At(e) : null, EndReason = r.o_end_reason };
        ended.Release(holder, At(now), reason);
        throw new IllegalTransitionException($"lease {leaseId}", r.o_state!, nameof(LeaseState.Released));
    }

    /// <summary>Per target state, the states a machine may move to it from (as stored).</summary>
    private static readonly Dictionary<MachineState, string[]> AllowedFrom = Enum.GetValues<MachineState>().ToDictionary(
        to => to, to => Enum.GetValues<MachineState>().Where(s => MachineTransitions.IsAllowed(s, to)).Select(s => s.ToString()).ToArray());

    private async Task<MachineRecord> PgTransitionAsync(string machineId, MachineState? from, MachineState to, string reason, CancellationToken ct)
    {
        var now = Now;
        var allowed = from is { } expected ? [expected.ToString()] : AllowedFrom[to];
        var keepLease = MachineTransitions.IsHeld(to);
        var row = await _moves!.RunAsync(new MoveItem(machineId, to.ToString(), reason, allowed, keepLease, now), ct).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"{_db.Place}: no machine '{machineId}'");
        var machine = new Machine(row.id, row.profile, row.l2_domain, Enum.Parse<MachineState>(row.state), row.lease_id);
        if (row.moved == 0)
        {
            if (from is { } f && row.state != f.ToString())
                throw new IllegalTransitionException($"machine {machineId} (is {row.state}, was expected {f})", row.state, to.ToString());
            machine.MoveTo(to, reason, At(now), row.lease_id);
            throw new IllegalTransitionException($"machine {machineId} (changed concurrently)", row.state, to.ToString());
        }
        var e = machine.MoveTo(to, reason, At(now), row.lease_id);
        StorageLog.Moved(_log, machineId, e.From, e.To, reason);
        return new MachineRecord { Id = row.id, Profile = row.profile, L2Domain = row.l2_domain, State = to, LeaseId = machine.LeaseId, UpdatedAt = At(now) };
    }

    /// <summary>
    /// One autocommitted statement. Retried once when the server refused it with a transient error (then it did not
    /// commit); a lost connection is not retried, since the statement may have committed.
    /// </summary>
    private async Task<T> PgStatementAsync<T>(string operation, Func<DbConnection, Task<T>> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var c = await _db.OpenAsync(ct).ConfigureAwait(false);
                return await work(c).ConfigureAwait(false);
            }
            catch (PostgresException e) when (attempt == 1 && _db.IsTransient(e))
            {
                StorageLog.Retrying(_log, _db.Place, operation, e.Message);
            }
            catch (DbException e) when (!_db.IsUniqueViolation(e))
            {
                throw new StoreException(_db.Place, operation, e.Message, e);
            }
        }
    }

#pragma warning disable IDE1006, CA1812 // Dapper row shapes follow column names.
    private sealed class ReleaseRow
    {
        public string o_status { get; set; } = "";
        public string? o_holder { get; set; }
        public string? o_request { get; set; }
        public long? o_ttl_ms { get; set; }
        public long? o_granted_at { get; set; }
        public long? o_expires_at { get; set; }
        public string? o_state { get; set; }
        public long? o_ended_at { get; set; }
        public string? o_end_reason { get; set; }
        public string[]? o_machines { get; set; }
    }
    private sealed record MovedRow(string id, string profile, string l2_domain, string state, string? lease_id, long updated_at, long moved);
#pragma warning restore IDE1006, CA1812
}
