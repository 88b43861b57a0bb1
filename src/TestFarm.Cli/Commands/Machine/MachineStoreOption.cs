using System.CommandLine;
using TestFarm.Cli.Commands.Serve;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;

namespace TestFarm.Cli.Commands.Machine;

/// <summary>
/// <c>--db</c> of the machine verbs, in the one form every command takes (<see cref="ServeArguments.ParseDb"/>):
/// <c>sqlite:PATH</c> (default <c>sqlite:farm.db</c>) or <c>postgres:CONNSTRING</c>. A missing SQLite file is an
/// error, never a new empty store.
/// </summary>
internal static class MachineStoreOption
{
    public static Option<string> Create() => new("--db")
    {
        Description = "The farm's store: sqlite:PATH (default sqlite:farm.db) or postgres:CONNSTRING (Host=...;...).",
        DefaultValueFactory = _ => "sqlite:farm.db",
    };

    /// <summary>Opens the store, or returns the error to print (naming the option and the file).</summary>
    public static async Task<(SqlFarmStore? Store, string? Error)> OpenAsync(string db, TimeProvider time, CancellationToken ct)
    {
        var errors = new List<string>();
        var storage = ServeArguments.ParseDb(db, Directory.GetCurrentDirectory(), errors);
        if (storage is null) return (null, string.Join("; ", errors));
        if (storage.Kind == StoreKind.Postgres)
            return (await SqlFarmStore.OpenPostgresAsync(storage.PostgresConnection!, time, ct: ct).ConfigureAwait(false), null);
        if (!File.Exists(storage.SqlitePath))
            return (null, $"--db: no farm store at {storage.SqlitePath} (give the SQLite file a farm wrote, e.g. sqlite:out/farm.db)");
        return (await SqlFarmStore.OpenSqliteAsync(storage.SqlitePath, time, ct: ct).ConfigureAwait(false), null);
    }
}
