using System.Text.Json;
using Dapper;
using TestFarm.Core.HandsOn;

namespace TestFarm.Storage.Sql;

/// <summary>Hands-on reservations (migration 13): each save writes the row and its audit events in one transaction.</summary>
public sealed partial class SqlFarmStore
{
    /// <summary>Audit kind of a reservation's events, on the reservation and on each of its machines.</summary>
    public const string HandsOnEventKind = "reservation";

    public Task SaveHandsOnAsync(HandsOnReservation reservation, string why, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        return WriteAsync("save reservation " + reservation.Id, async (c, tx) =>
        {
            var now = Now;
            var before = await c.QuerySingleOrDefaultAsync<string>("SELECT state FROM handson WHERE id = @Id", new { reservation.Id }, tx).ConfigureAwait(false);
            var payload = JsonSerializer.Serialize(reservation, StorageJson.Default.HandsOnReservation);
            await c.ExecuteAsync("""
                INSERT INTO handson (id, owner, state, created_at, expires_at, ended_at, payload) VALUES (@Id, @Owner, @state, @created, @expires, @ended, @payload)
                ON CONFLICT (id) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at, ended_at = excluded.ended_at, payload = excluded.payload
                """, new
            {
                reservation.Id, reservation.Owner, state = reservation.State.ToString(), created = reservation.CreatedAt.ToUnixTimeMilliseconds(),
                expires = reservation.ExpiresAt?.ToUnixTimeMilliseconds(), ended = reservation.EndedAt?.ToUnixTimeMilliseconds(), payload,
            }, tx).ConfigureAwait(false);
            var to = reservation.State.ToString();
            await InsertEventAsync(c, tx, HandsOnEventKind, reservation.Id, before, to, why, reservation.LeaseId, now).ConfigureAwait(false);
            // A machine's events list the reservation each time it changes state while holding it.
            if (before != to)
            {
                foreach (var machine in reservation.Machines)
                    await InsertEventAsync(c, tx, HandsOnEventKind, machine, before, to, $"reservation {reservation.Id} of {reservation.Owner}: {why}", reservation.LeaseId, now).ConfigureAwait(false);
            }
            return 0;
        }, ct);
    }

    public Task<HandsOnReservation?> GetHandsOnAsync(string id, CancellationToken ct = default) =>
        ReadAsync("get reservation " + id, async c =>
        {
            var payload = await c.QuerySingleOrDefaultAsync<string>("SELECT payload FROM handson WHERE id = @id", new { id }).ConfigureAwait(false);
            return payload is null ? null : JsonSerializer.Deserialize(payload, StorageJson.Default.HandsOnReservation);
        }, ct);

    public Task<IReadOnlyList<HandsOnReservation>> ListHandsOnAsync(bool openOnly, int limit = 500, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<HandsOnReservation>>("list reservations", async c =>
        {
            var sql = "SELECT payload FROM handson" + (openOnly ? " WHERE ended_at IS NULL" : "") + " ORDER BY created_at DESC, id DESC LIMIT @limit";
            var rows = await c.QueryAsync<string>(sql, new { limit }).ConfigureAwait(false);
            return [.. rows.Select(p => JsonSerializer.Deserialize(p, StorageJson.Default.HandsOnReservation)!)];
        }, ct);
}
