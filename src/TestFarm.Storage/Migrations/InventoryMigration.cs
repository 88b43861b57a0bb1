namespace TestFarm.Storage.Migrations;

/// <summary>
/// Migration 15: <c>machine_inventory</c>, each machine's latest observed hardware (see <see cref="Core.Hardware.IInventoryStore"/>):
/// one row per machine, replaced by every new observation; the observation itself as JSON.
/// </summary>
internal static class InventoryMigration
{
    public const string Sql = """
        CREATE TABLE machine_inventory (machine_id TEXT PRIMARY KEY REFERENCES machines (id), at BIGINT NOT NULL, source TEXT NOT NULL, hardware TEXT NOT NULL);
        """;
}
