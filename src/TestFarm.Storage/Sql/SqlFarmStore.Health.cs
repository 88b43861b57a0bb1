using System.Text.Json;
using Dapper;
using TestFarm.Core.Provisioning;

namespace TestFarm.Storage.Sql;

public sealed partial class SqlFarmStore : IHealthHistory
{
    private const string HealthColumns = "seq, machine_id, at, grade, failures, passes, blamed, last_failure, checks";

    public Task RecordHealthAsync(HealthRecord record, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return WriteAsync("record health of " + record.MachineId, async (c, tx) =>
        {
            var h = record.Health;
            var known = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM machines WHERE id = @MachineId", record, tx).ConfigureAwait(false);
            if (known == 0) throw new KeyNotFoundException($"{_db.Place}: no machine '{record.MachineId}'");
            await c.ExecuteAsync("DELETE FROM machine_health WHERE machine_id = @MachineId AND at < @cutoff",
                new { record.MachineId, cutoff = (record.At - IHealthHistory.Retention).ToUnixTimeMilliseconds() }, tx).ConfigureAwait(false);
            await c.ExecuteAsync("""
                INSERT INTO machine_health (machine_id, at, grade, failures, passes, blamed, last_failure, checks)
                VALUES (@MachineId, @at, @grade, @failures, @passes, @blamed, @lastFailure, @checks)
                """, new
            {
                record.MachineId, at = record.At.ToUnixTimeMilliseconds(), grade = h.Grade.ToString(), failures = h.ConsecutiveFailures, passes = h.ConsecutivePasses,
                blamed = h.Blamed?.ToString(), lastFailure = h.LastFailure, checks = JsonSerializer.Serialize([.. record.Checks], StorageJson.Default.HealthCheckResultArray),
            }, tx).ConfigureAwait(false);
            return 0;
        }, ct);
    }

    public Task<IReadOnlyList<HealthRecord>> ReadHealthAsync(string machineId, int limit = 100, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<HealthRecord>>("read health of " + machineId, async c =>
            (await c.QueryAsync<HealthRow>($"SELECT {HealthColumns} FROM machine_health WHERE machine_id = @machineId ORDER BY at DESC, seq DESC LIMIT @limit",
                new { machineId, limit }).ConfigureAwait(false)).Select(r => r.ToRecord(_db.Place)).ToList(), ct);

    public Task<IReadOnlyDictionary<string, HealthRecord>> LatestHealthAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyDictionary<string, HealthRecord>>("read latest health", async c =>
            (await c.QueryAsync<HealthRow>($"""
                SELECT {string.Join(", ", HealthColumns.Split(", ").Select(col => "h." + col))} FROM machine_health h
                JOIN (SELECT machine_id, MAX(seq) AS seq FROM machine_health GROUP BY machine_id) newest ON newest.seq = h.seq
                """).ConfigureAwait(false)).Select(r => r.ToRecord(_db.Place)).ToDictionary(r => r.MachineId, StringComparer.Ordinal), ct);

#pragma warning disable IDE1006, CA1812 // Dapper row shapes follow column names.
    private sealed record HealthRow(long seq, string machine_id, long at, string grade, long failures, long passes, string? blamed, string? last_failure, string checks)
    {
        public HealthRecord ToRecord(string place) => new()
        {
            MachineId = machine_id, At = At(at),
            Health = new MachineHealth
            {
                Grade = Parse<HealthGrade>(grade, place), ConsecutiveFailures = (int)failures, ConsecutivePasses = (int)passes,
                Blamed = blamed is null ? null : Parse<HealthComponent>(blamed, place), LastFailure = last_failure,
            },
            Checks = JsonSerializer.Deserialize(checks, StorageJson.Default.HealthCheckResultArray) ?? [],
        };

        private T Parse<T>(string value, string place) where T : struct, Enum =>
            Enum.TryParse<T>(value, out var parsed) ? parsed
            : throw new InvalidDataException($"{place}: machine_health row {seq} of {machine_id}: '{value}' is no {typeof(T).Name}");
    }
#pragma warning restore IDE1006, CA1812
}
