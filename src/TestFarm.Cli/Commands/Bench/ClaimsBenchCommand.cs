using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using TestFarm.Core.Hardware;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>
/// <c>testfarm bench claims</c>: concurrent clients claim, release and clean machines for some seconds; prints
/// claims/s and the double holds an independent SQL audit finds; on PostgreSQL also runs
/// <c>pgbench -b simple-update</c> for the same time and prints the ratio.
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
        var command = new Command("claims", "Concurrent gang claims against the store: claims/s and double holds.") { db, clients, seconds, machines, schemaOption, ttl };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(db)!, parse.GetValue(clients), parse.GetValue(seconds), parse.GetValue(machines),
            parse.GetValue(schemaOption), TimeSpan.FromSeconds(parse.GetValue(ttl)), ct));
        return command;
    }

    private async Task<int> RunAsync(string db, int clients, int seconds, int machineCount, string? sharedSchema, TimeSpan ttl, CancellationToken ct)
    {
        string? schema = null;
        var holderPrefix = $"pid{Environment.ProcessId}";
        string? admin = null;
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"tf-claims-{Guid.NewGuid():N}");
        StoreDialect dialect;
        if (db == "sqlite")
        {
            Directory.CreateDirectory(dir);
            dialect = new SqliteDialect(System.IO.Path.Combine(dir, "farm.db"));
        }
        else if (db == "postgres")
        {
            admin = Environment.GetEnvironmentVariable("TESTFARM_POSTGRES");
            if (string.IsNullOrWhiteSpace(admin)) { Console.Error.WriteLine("TESTFARM_POSTGRES is not set"); return ExitCodes.Usage; }
            var name = sharedSchema ?? "bench_" + Guid.NewGuid().ToString("N")[..12];
            if (sharedSchema is null) { schema = name; await ExecAsync(admin, $"CREATE SCHEMA {name}", ct).ConfigureAwait(false); }
            dialect = new PostgresDialect(new NpgsqlConnectionStringBuilder(admin) { SearchPath = name, MaxPoolSize = clients + 10 }.ConnectionString);
        }
        else { Console.Error.WriteLine($"--db must be sqlite or postgres, was {db}"); return ExitCodes.Usage; }

        try
        {
            var store = await SqlFarmStore.OpenAsync(dialect, time, ct: ct).ConfigureAwait(false);
            await store.RegisterAsync(Enumerable.Range(0, machineCount).Select(i => new MachineRegistration($"m{i:D4}", $"p{i % 4}", $"l2{i % 2}")).ToList(), ct).ConfigureAwait(false);
            var profiles = Enumerable.Range(0, 4).ToDictionary(i => $"p{i}", i => new HardwareProfile
            {
                Name = $"p{i}", Arch = CpuArchitecture.Amd64, Cpu = new CpuSpec { Vendor = "v", Model = "m", Cores = 8 }, MemoryGiB = 32,
            });
            var chooser = new GangChooser(profiles);
            long claims = 0, refused = 0, errors = 0, transactions = 0;
            var deadline = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, clients).Select(w => Task.Run(async () =>
            {
                var rng = new Random(w);
                var n = 0;
                while (deadline.Elapsed < TimeSpan.FromSeconds(seconds))
                {
                    var request = new ReservationRequest
                    {
                        Id = $"w{w}-{n++}", Plan = "bench", Profile = $"p{rng.Next(4)}",
                        Topology = new Topology { Name = "t", Roles = [new TopologyRole { Name = "node", Count = 1 + rng.Next(3) }] },
                    };
                    try
                    {
                        var r = await store.ClaimAsync($"{holderPrefix}-client-{w}", request, chooser, ttl, ct).ConfigureAwait(false);
                        if (!r.Granted) { Interlocked.Increment(ref refused); continue; }
                        Interlocked.Increment(ref claims);
                        await store.ReleaseAsync(r.Lease!.Id, $"{holderPrefix}-client-{w}", "bench", ct).ConfigureAwait(false);
                        foreach (var id in r.Lease.Machines) await store.TransitionAsync(id, MachineState.Available, "bench clean", ct).ConfigureAwait(false);
                        Interlocked.Add(ref transactions, 2 + r.Lease.Machines.Count);
                    }
                    catch (StoreException) { Interlocked.Increment(ref errors); }
                    catch (TestFarm.Core.Leases.LeaseRefusedException) { Interlocked.Increment(ref errors); }
                }
            }, ct)).ToArray();
            await Task.WhenAll(workers).ConfigureAwait(false);
            var elapsed = deadline.Elapsed.TotalSeconds;
            var audit = await HoldAudit.RunAsync(dialect, ct).ConfigureAwait(false);
            var rate = claims / elapsed;
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"db={db} clients={clients} seconds={elapsed:F1} machines={machineCount} claims={claims} refused={refused} errors={errors}"));
            Console.WriteLine(string.Create(inv, $"claims/s={rate:F1} double-held={audit.DoubleHeldNow} stale-holds={audit.StaleHolds} broken-histories={audit.BrokenHistories}"));
            var ok = audit.Clean;
            if (db == "postgres" && sharedSchema is null)
            {
                var tps = await PgbenchAsync(admin!, clients, seconds, ct).ConfigureAwait(false);
                if (tps is { } t)
                {
                    Console.WriteLine(string.Create(inv, $"pgbench simple-update tps={t:F1} claims/pgbench={rate / t:F2} (one claim = claim + release + clean transactions)"));
                    Console.WriteLine(string.Create(inv, $"store transactions/s={transactions / elapsed:F1} transactions/pgbench={transactions / elapsed / t:F2} (each claim, release and machine clean is one transaction)"));
                    ok &= rate / t >= 0.8;
                }
            }
            return ok ? ExitCodes.Success : ExitCodes.TargetMissed;
        }
        finally
        {
            if (schema is not null) { NpgsqlConnection.ClearAllPools(); await ExecAsync(admin!, $"DROP SCHEMA {schema} CASCADE", CancellationToken.None).ConfigureAwait(false); }
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task ExecAsync(string cs, string sql, CancellationToken ct)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Runs pgbench -b simple-update in a throw-away database; returns its tps or null when pgbench is missing.</summary>
    private static async Task<double?> PgbenchAsync(string admin, int clients, int seconds, CancellationToken ct)
    {
        var bin = Environment.GetEnvironmentVariable("TESTFARM_PG_BIN") ?? "/usr/lib/postgresql/15/bin";
        var pgbench = System.IO.Path.Combine(bin, "pgbench");
        if (!File.Exists(pgbench)) { Console.WriteLine($"pgbench not found at {pgbench}; ratio skipped"); return null; }
        var b = new NpgsqlConnectionStringBuilder(admin);
        var dbName = "pgbench_" + Guid.NewGuid().ToString("N")[..10];
        await ExecAsync(admin, $"CREATE DATABASE {dbName}", ct).ConfigureAwait(false);
        try
        {
            var common = $"-h {b.Host} -p {b.Port} -U {b.Username} {dbName}";
            await RunAsync(pgbench, $"-i -q -s 1 {common}", b.Password, ct).ConfigureAwait(false);
            var output = await RunAsync(pgbench, $"-b simple-update -c {clients} -j 2 -T {seconds} -n {common}", b.Password, ct).ConfigureAwait(false);
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("tps = ", StringComparison.Ordinal));
            return line is null ? null : double.Parse(line["tps = ".Length..].Split(' ')[0], CultureInfo.InvariantCulture);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecAsync(admin, $"DROP DATABASE {dbName} WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<string> RunAsync(string file, string args, string? password, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (password is not null) psi.Environment["PGPASSWORD"] = password;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct).ConfigureAwait(false);
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args}: exit {p.ExitCode}: {await stderr.ConfigureAwait(false)}");
        return await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
    }
}
