using Npgsql;
using TestFarm.Core.Hardware;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Storage.Tests;

/// <summary>
/// A fresh store for one test: a SQLite file in a temp folder, or a fresh schema in the PostgreSQL named by
/// TESTFARM_POSTGRES (ignored when unset, failed when CI=true).
/// </summary>
public sealed class StoreTarget : IAsyncDisposable
{
    private readonly TempDirectory? _dir;
    private readonly string? _adminConnection;

    private StoreTarget(StoreKind kind, TempDirectory? dir, string? admin, string? schema, string connectionOrPath)
    {
        Kind = kind; _dir = dir; _adminConnection = admin; Schema = schema; ConnectionOrPath = connectionOrPath;
    }

    public StoreKind Kind { get; }
    public string? Schema { get; }
    public string ConnectionOrPath { get; }

    public StoreDialect NewDialect() => Kind == StoreKind.Sqlite ? new SqliteDialect(ConnectionOrPath) : new PostgresDialect(ConnectionOrPath);

    public Task<SqlFarmStore> OpenStoreAsync(TimeProvider time) => SqlFarmStore.OpenAsync(NewDialect(), time);

    public static string PostgresConnection() => Requirements.Postgres();

    public static async Task<StoreTarget> CreateAsync(StoreKind kind)
    {
        if (kind == StoreKind.Sqlite)
        {
            var dir = new TempDirectory("tf-store");
            return new StoreTarget(kind, dir, null, null, dir.File("farm.db"));
        }
        var admin = PostgresConnection();
        var schema = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE SCHEMA {schema}", c);
            await cmd.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema, MaxPoolSize = 100 }.ConnectionString;
        return new StoreTarget(kind, null, admin, schema, cs);
    }

    public async ValueTask DisposeAsync()
    {
        _dir?.Dispose();
        if (_adminConnection is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var c = new NpgsqlConnection(_adminConnection);
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP SCHEMA {Schema} CASCADE", c);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>A small pool: amd64 and arm64 profiles over two L2 domains.</summary>
public static class TestPool
{
    public static readonly IReadOnlyDictionary<string, HardwareProfile> Profiles = new Dictionary<string, HardwareProfile>
    {
        ["x86"] = Profile("x86", CpuArchitecture.Amd64, "ice"),
        ["arm"] = Profile("arm", CpuArchitecture.Arm64, "mlx5_core"),
    };

    public static HardwareProfile Profile(string name, CpuArchitecture arch, string driver) => new()
    {
        Name = name, Arch = arch, Cpu = new CpuSpec { Vendor = "v", Model = "m", Cores = 16 }, MemoryGiB = 64,
        Nics = [new NicSpec { Vendor = "v", Model = "m", Driver = driver, SpeedGbps = 25 }],
    };

    public static IReadOnlyList<MachineRegistration> Machines(int x86, int arm) =>
        [.. Enumerable.Range(0, x86).Select(i => new MachineRegistration($"x86-{i:D3}", "x86", i % 2 == 0 ? "l2a" : "l2b")),
         .. Enumerable.Range(0, arm).Select(i => new MachineRegistration($"arm-{i:D3}", "arm", "l2a"))];

    public static GangChooser Chooser => new(Profiles);

    public static ReservationRequest Request(string id, string? profile, int count, bool sameL2 = false, int spares = 0) => new()
    {
        Id = id, Plan = "nightly", Profile = profile, Spares = spares,
        Topology = new Topology { Name = $"n{count}", SameL2Domain = sameL2, Roles = [new TopologyRole { Name = "node", Count = count }] },
    };
}
