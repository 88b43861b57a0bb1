namespace TestFarm.Storage.Migrations;

/// <summary>
/// Migration 6: a machine's hold is one row of <c>holds</c> keyed by the machine, so the database refuses a second
/// hold by its primary key; the row is written when a lease takes the machine and deleted when the machine leaves
/// it. What a lease was granted stays on the lease itself (<c>leases.machines</c>, a JSON array of machine ids in
/// order). Before, <c>lease_machines</c> kept one row per machine and lease for ever and flagged the current ones,
/// so every release rewrote each link and its index entries. (The PostgreSQL functions that write them are in
/// <see cref="PostgresFunctions"/>.)
/// </summary>
internal static class HoldsMigration
{
    public const string Sqlite = """
        CREATE TABLE holds (machine_id TEXT PRIMARY KEY, lease_id TEXT NOT NULL);
        INSERT INTO holds (machine_id, lease_id) SELECT machine_id, lease_id FROM lease_machines WHERE active = 1;
        ALTER TABLE leases ADD COLUMN machines TEXT NULL;
        UPDATE leases SET machines = (SELECT json_group_array(lm.machine_id) FROM lease_machines lm WHERE lm.lease_id = leases.id);
        DROP TABLE lease_machines;
        """;

    public const string Postgres = """
        CREATE TABLE holds (machine_id text COLLATE "C" PRIMARY KEY, lease_id text COLLATE "C" NOT NULL);
        INSERT INTO holds (machine_id, lease_id) SELECT machine_id, lease_id FROM lease_machines WHERE active = 1;
        ALTER TABLE leases ADD COLUMN machines text COLLATE "C" NULL;
        UPDATE leases l SET machines = (SELECT to_json(array_agg(lm.machine_id ORDER BY lm.machine_id))::text FROM lease_machines lm WHERE lm.lease_id = l.id);
        DROP TABLE lease_machines;
        """;
}
