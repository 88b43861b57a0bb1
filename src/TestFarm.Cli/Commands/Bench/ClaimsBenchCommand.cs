using System.CommandLine;
using System.Globalization;
using Npgsql;
using TestFarm.Core.Machines;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>
/// <c>testfarm bench claims</c>: concurrent clients claim, release and clean machines for some seconds (after a
/// warm-up under the same load); prints claims/s and the double holds an independent SQL audit finds; on PostgreSQL
/// also how many calls shared a batch, and runs <c>pgbench -b simple-update</c> for the same time just before and
/// just after the claims and prints the ratio to their mean.
/// </summary>
public sealed class ClaimsBenchCommand(TimeProvider time) : ICliCommand
{
    public string Path => "bench claims";

    public Command Build()
    {
        var db = new Option<string>("--db") { DefaultValueFactory = _ => "sqlite", Description = "sqlite or postgres (TESTFARM_POSTGRES)." };
        var clients = new Option<int>("--clients") { DefaultValueFactory = _ => 64, Description = "Concurrent claimers." };
        var seconds = new Option<int>("--seconds") { DefaultValueFactory = _ => 10, Description = "How long to run." };
        var machines = new Option<int>("--machines") { DefaultValueFactory = _ => 256, Description = "Machines in the pool." };
        var schemaOption = new Option<string?>("--schema") { Description = "PostgreSQL schema to use and keep (several processes can race on one)." };
        var ttl = new Option<int>("--ttl-seconds") { DefaultValueFactory = _ => 600, Description = "Lease TTL." };
        var warmup = new Option<int>("--warmup-seconds") { DefaultValueFactory = _ => 2, Description = "Seconds of the same load before counting (JIT, pools, caches)." };
        var command = new Command("claims", "Concurrent gang claims against the store: claims/s and double holds.") { db, clients, seconds, machines, schemaOption, ttl, warmup };
        command.SetAction((parse, ct) => RunAsync(new Settings(parse.GetValue(db)!, parse.GetValue(clients), parse.GetValue(seconds), parse.GetValue(machines),
            parse.GetValue(schemaOption), TimeSpan.FromSeconds(parse.GetValue(ttl)), parse.GetValue(warmup)), ct));
        return command;
    }

    private static readonly string[] BatchKinds = ["claims", "releases", "moves"];

    private sealed record Settings(string Db, int Clients, int Seconds, int Machines, string? SharedSchema, TimeSpan Ttl, int WarmupSeconds);

    private async Task<int> RunAsync(Settings s, CancellationToken ct)
    {
        string? schema = null;
        string? admin = null;
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"tf-claims-{Guid.NewGuid():N}");
        StoreDialect dialect;
        if (s.Db == "sqlite")
        {
            Directory.CreateDirectory(dir);
            dialect = new SqliteDialect(System.IO.Path.Combine(dir, "farm.db"));
        }
        else if (s.Db == "postgres")
        {
            admin = Environment.GetEnvironmentVariable("TESTFARM_POSTGRES");
            if (string.IsNullOrWhiteSpace(admin)) { Console.Error.WriteLine("TESTFARM_POSTGRES is not set"); return ExitCodes.Usage; }
            var name = s.SharedSchema ?? "bench_" + Guid.NewGuid().ToString("N")[..12];
            if (s.SharedSchema is null) { schema = name; await Pgbench.ExecAsync(admin, $"CREATE SCHEMA {name}", ct).ConfigureAwait(false); }
            dialect = new PostgresDialect(new NpgsqlConnectionStringBuilder(admin) { SearchPath = name, MaxPoolSize = s.Clients + 10 }.ConnectionString);
        }
        else { Console.Error.WriteLine($"--db must be sqlite or postgres, was {s.Db}"); return ExitCodes.Usage; }

        Pgbench? pgbench = null;
        try
        {
            // pgbench runs the same seconds just before and just after the claims, so a machine whose speed drifts
            // (shared hosts) weighs on both sides of the ratio alike.
            double? tpsBefore = null;
            if (s.Db == "postgres" && s.SharedSchema is null && (pgbench = await Pgbench.CreateAsync(admin!, ct).ConfigureAwait(false)) is not null)
                tpsBefore = await pgbench.SimpleUpdateAsync(s.Clients, s.Seconds, ct).ConfigureAwait(false);
            var store = await SqlFarmStore.OpenAsync(dialect, time, ct: ct).ConfigureAwait(false);
            await store.RegisterAsync(Enumerable.Range(0, s.Machines).Select(i => new MachineRegistration($"m{i:D4}", $"p{i % 4}", $"l2{i % 2}")).ToList(), ct).ConfigureAwait(false);
            var load = new ClaimLoad(store, s.Clients, s.Ttl);
            var (counts, elapsed) = await load.RunAsync(TimeSpan.FromSeconds(s.WarmupSeconds), TimeSpan.FromSeconds(s.Seconds), ct).ConfigureAwait(false);
            var audit = await HoldAudit.RunAsync(dialect, ct).ConfigureAwait(false);
            var rate = counts.Claims / elapsed;
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"db={s.Db} clients={s.Clients} warmup={s.WarmupSeconds}s seconds={elapsed:F1} machines={s.Machines} claims={counts.Claims} refused={counts.Refused} errors={counts.Errors}"));
            if (s.Db == "postgres")
            {
                Console.WriteLine("batches (calls/batch): " + string.Join(" ", BatchKinds.Select(k =>
                {
                    var (batches, calls) = store.BatchCounts(k);
                    return string.Create(inv, $"{k}={(batches == 0 ? 0 : (double)calls / batches):F1}");
                })));
            }
            Console.WriteLine(string.Create(inv, $"claims/s={rate:F1} double-held={audit.DoubleHeldNow} stale-holds={audit.StaleHolds} broken-histories={audit.BrokenHistories}"));
            var ok = audit.Clean;
            if (pgbench is not null && tpsBefore is { } before)
            {
                var after = await pgbench.SimpleUpdateAsync(s.Clients, s.Seconds, ct).ConfigureAwait(false);
                var t = (before + after) / 2;
                Console.WriteLine(string.Create(inv, $"pgbench simple-update tps={t:F1} (before {before:F1}, after {after:F1}) claims/pgbench={rate / t:F2} (one claim = claim + release + clean of each machine)"));
                Console.WriteLine(string.Create(inv, $"store calls/s={counts.Calls / elapsed:F1} calls/pgbench={counts.Calls / elapsed / t:F2} (claim, release and each machine's clean are one call each; concurrent calls share transactions)"));
                ok &= rate / t >= 0.8;
            }
            return ok ? ExitCodes.Success : ExitCodes.TargetMissed;
        }
        finally
        {
            if (pgbench is not null) await pgbench.DisposeAsync().ConfigureAwait(false);
            if (schema is not null) { NpgsqlConnection.ClearAllPools(); await Pgbench.ExecAsync(admin!, $"DROP SCHEMA {schema} CASCADE", CancellationToken.None).ConfigureAwait(false); }
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
