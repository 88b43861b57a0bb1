using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Provisioning;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;

namespace TestFarm.Storage;

/// <summary>Where the farm keeps its state. Default: a SQLite file <c>testfarm.db</c> in the working folder.</summary>
public sealed record StorageOptions
{
    public StoreKind Kind { get; init; } = StoreKind.Sqlite;
    public string SqlitePath { get; init; } = "testfarm.db";
    /// <summary>Npgsql connection string, required when <see cref="Kind"/> is Postgres.</summary>
    public string? PostgresConnection { get; init; }
}

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="SqlFarmStore"/> (migrated on first use) as <see cref="IMachineStore"/>, <see cref="ILeaseStore"/>,
    /// <see cref="IRequestQueue"/>, <see cref="IRunStore"/>, <see cref="IEventLog"/>, <see cref="IHealthHistory"/> and <see cref="Core.Hardware.IInventoryStore"/>. Needs a <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddTestFarmStorage(this IServiceCollection services, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kind == StoreKind.Postgres && string.IsNullOrWhiteSpace(options.PostgresConnection))
            throw new ArgumentException("PostgresConnection must be set when Kind is Postgres", nameof(options));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            StoreDialect dialect = options.Kind == StoreKind.Sqlite ? new SqliteDialect(options.SqlitePath) : new PostgresDialect(options.PostgresConnection!);
            var log = sp.GetService<ILoggerFactory>()?.CreateLogger("TestFarm.Storage");
            return SqlFarmStore.OpenAsync(dialect, sp.GetRequiredService<TimeProvider>(), log).GetAwaiter().GetResult();
        });
        services.TryAddSingleton<IMachineStore>(sp => sp.GetRequiredService<SqlFarmStore>());
        services.TryAddSingleton<ILeaseStore>(sp => sp.GetRequiredService<SqlFarmStore>());
        services.TryAddSingleton<IRequestQueue>(sp => sp.GetRequiredService<SqlFarmStore>());
        services.TryAddSingleton<IRunStore>(sp => sp.GetRequiredService<SqlFarmStore>());
        services.TryAddSingleton<IEventLog>(sp => sp.GetRequiredService<SqlFarmStore>());
        services.TryAddSingleton<IHealthHistory>(sp => sp.GetRequiredService<SqlFarmStore>());
        services.TryAddSingleton<Core.Hardware.IInventoryStore>(sp => sp.GetRequiredService<SqlFarmStore>());
        return services;
    }
}
