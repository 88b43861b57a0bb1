using System.CommandLine;
using TestFarm.Storage.Sql;

namespace TestFarm.Cli.Commands.Machine;

/// <summary>
/// <c>--db</c> of the machine verbs: a SQLite store file (default <c>farm.db</c>), or a PostgreSQL
/// connection string (<c>Host=...;Database=...</c>). A missing SQLite file is an error, never a new empty store.
/// </summary>
internal static class MachineStoreOption
{
    public static Option<string> Create() => new("--db")
    {
        Description = "The farm's store: a SQLite file (default farm.db) or a PostgreSQL connection string (Host=...;...).",
        DefaultValueFactory = _ => "farm.db",
    };

    /// <summary>Opens the store, or returns the error to print (naming the file).</summary>
    public static async Task<(SqlFarmStore? Store, string? Error)> OpenAsync(string db, TimeProvider time, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(db)) return (null, "--db must name a SQLite file or a PostgreSQL connection string, was empty");
        if (db.Contains('=', StringComparison.Ordinal))
            return (await SqlFarmStore.OpenPostgresAsync(db, time, ct: ct).ConfigureAwait(false), null);
        if (!File.Exists(db)) return (null, $"no farm store at {Path.GetFullPath(db)} (--db names the SQLite file a farm wrote, e.g. out/<run>/farm.db)");
        return (await SqlFarmStore.OpenSqliteAsync(db, time, ct: ct).ConfigureAwait(false), null);
    }
}
