using System.Text.Json;
using Dapper;
using TestFarm.Core.Hardware;

namespace TestFarm.Storage.Sql;

public sealed partial class SqlFarmStore : IInventoryStore
{
    public Task RecordInventoryAsync(InventoryObservation observation, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(observation);
        if (InventoryLimits.Violation(observation.Hardware) is { } problem)
            throw new ArgumentException($"{_db.Place}: inventory of {observation.MachineId} refused: {problem}", nameof(observation));
        var hardware = JsonSerializer.Serialize(observation.Hardware, StorageJson.Default.ObservedHardware);
        return WriteAsync("record inventory of " + observation.MachineId, async (c, tx) =>
        {
            var known = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM machines WHERE id = @MachineId", observation, tx).ConfigureAwait(false);
            if (known == 0) throw new KeyNotFoundException($"{_db.Place}: no machine '{observation.MachineId}'");
            // One row per machine, replaced in one statement: a reader sees the old observation or the new one, never a mix.
            await c.ExecuteAsync("""
                INSERT INTO machine_inventory (machine_id, at, source, hardware) VALUES (@MachineId, @at, @source, @hardware)
                ON CONFLICT (machine_id) DO UPDATE SET at = excluded.at, source = excluded.source, hardware = excluded.hardware
                """, new { observation.MachineId, at = observation.At.ToUnixTimeMilliseconds(), source = observation.Source.ToString(), hardware }, tx).ConfigureAwait(false);
            return 0;
        }, ct);
    }

    public Task<InventoryObservation?> ReadInventoryAsync(string machineId, CancellationToken ct = default) =>
        ReadAsync("read inventory of " + machineId, async c =>
        {
            var row = await c.QuerySingleOrDefaultAsync<InventoryRow>(
                "SELECT machine_id, at, source, hardware FROM machine_inventory WHERE machine_id = @machineId", new { machineId }).ConfigureAwait(false);
            return row?.ToObservation(_db.Place);
        }, ct);

#pragma warning disable IDE1006, CA1812 // Dapper row shapes follow column names.
    private sealed record InventoryRow(string machine_id, long at, string source, string hardware)
    {
        public InventoryObservation ToObservation(string place)
        {
            if (!Enum.TryParse<InventorySource>(source, out var parsed))
                throw new InvalidDataException($"{place}: machine_inventory row of {machine_id}: '{source}' is no {nameof(InventorySource)}");
            try
            {
                var observed = JsonSerializer.Deserialize(hardware, StorageJson.Default.ObservedHardware)
                    ?? throw new InvalidDataException($"{place}: machine_inventory row of {machine_id}: hardware is null");
                return new InventoryObservation { MachineId = machine_id, At = At(at), Source = parsed, Hardware = observed };
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{place}: machine_inventory row of {machine_id}: hardware is not an observed inventory: {e.Message}", e);
            }
        }
    }
#pragma warning restore IDE1006, CA1812
}
