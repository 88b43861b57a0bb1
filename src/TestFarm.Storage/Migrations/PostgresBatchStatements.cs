namespace TestFarm.Storage.Migrations;

/// <summary>
/// PostgreSQL tables tuned for many concurrent claims (see <see cref="PostgresFunctions"/>). The machines table is
/// kept friendly to in-place (HOT) updates: room on each page and no index on the columns a move changes; lease
/// rows are found by key only (an index on their state fills with entries of ended leases).
/// </summary>
internal static class PostgresBatchStatements
{
    /// <summary>
    /// Migration 3: the tables' indexes and storage (it also created the batch functions, which are now replaced
    /// on every start from <see cref="PostgresFunctions.Sql"/>). The lease-machine links, written only by those
    /// functions, lost their foreign keys (two lookups per link); migration 6 replaced the links by holds.
    /// </summary>
    public const string Migration = """
        ALTER TABLE machines SET (fillfactor = 50);
        DROP INDEX ix_machines_state;
        CREATE INDEX ix_machines_profile ON machines (profile);
        DROP INDEX ix_leases_active;
        CREATE INDEX ix_leases_expiring ON leases (expires_at) WHERE state = 'Active';
        ALTER TABLE lease_machines DROP CONSTRAINT lease_machines_lease_id_fkey, DROP CONSTRAINT lease_machines_machine_id_fkey;
        """;

    /// <summary>
    /// Migration 5: the farm's text columns compare byte by byte (collation "C"), as SQLite's do: keys, states and
    /// names are ASCII identifiers, so a locale's rules only cost time in every index lookup and sort, and ordered
    /// lists (machines by id, histories by subject) come out in the same order on both databases.
    /// </summary>
    public const string BinaryCollation = """
        DO $$
        DECLARE r record;
        BEGIN
            FOR r IN SELECT c.table_name, c.column_name FROM information_schema.columns c
                     WHERE c.table_schema = current_schema() AND c.data_type = 'text'
                       AND c.table_name IN ('machines', 'leases', 'lease_machines', 'requests', 'runs', 'cells', 'results', 'events') LOOP
                EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE text COLLATE "C"', r.table_name, r.column_name);
            END LOOP;
        END $$;
        """;

    /// <summary>
    /// Migration 7: machines are indexed by profile and then id, so a claim walks one profile's machines in id
    /// order and stops at the first ones Available (it read and sorted every machine of the profile before).
    /// </summary>
    public const string ProfileOrder = """
        DROP INDEX ix_machines_profile;
        CREATE INDEX ix_machines_profile ON machines (profile, id);
        """;
}
