using System.Diagnostics;
using System.Globalization;
using Npgsql;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Core.Scheduling;
using TestFarm.Core.Scheduling.Simulation;
using TestFarm.Orchestration.Reservations;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>
/// <c>testfarm bench decide --history N</c>: p50/p99 of one scheduling round through the store (what the reservation
/// broker runs: read the open requests, the active leases and the machines, decide, claim each placement), on a farm
/// with none and with N ended requests in its history. After each timed round its grants are handed back (untimed), so
/// every round sees the same farm. Also times the read a round made before it read only open requests: every request.
/// </summary>
internal sealed class RoundBench(TimeProvider time)
{
    internal sealed record Settings(string Db, int Machines, int Queued, int Rounds, int History);

    private const int Profiles = 16;
    private const string Holder = "bench";
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(2);

    public async Task<int> RunAsync(Settings s, CancellationToken ct)
    {
        var admin = Environment.GetEnvironmentVariable("TESTFARM_POSTGRES");
        if (s.Db == "postgres" && string.IsNullOrWhiteSpace(admin)) { await Console.Error.WriteLineAsync("TESTFARM_POSTGRES is not set").ConfigureAwait(false); return ExitCodes.Usage; }
        if (s.Db is not ("sqlite" or "postgres")) { await Console.Error.WriteLineAsync($"--db must be sqlite or postgres, was {s.Db}").ConfigureAwait(false); return ExitCodes.Usage; }
        if (s.History < 0 || s.Rounds < 1 || s.Machines < Profiles * 4 || s.Queued < 1)
        {
            await Console.Error.WriteLineAsync($"--history must be at least 0, --rounds and --queued at least 1, --machines at least {Profiles * 4}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        var inv = CultureInfo.InvariantCulture;
        var histories = s.History == 0 ? new[] { 0 } : [0, s.History];
        var targets = new List<BenchStore>();
        try
        {
            var farms = new List<Farm>();
            foreach (var history in histories)
            {
                targets.Add(await BenchStore.CreateAsync(s.Db, admin, ct).ConfigureAwait(false));
                farms.Add(await SetUpAsync(targets[^1].Dialect, s, history, ct).ConfigureAwait(false));
            }
            // Rounds of the farms alternate, so a machine whose load drifts (shared hosts) weighs on each alike.
            var times = farms.Select(_ => new List<double>(s.Rounds)).ToList();
            var granted = new int[farms.Count];
            for (var i = 0; i < s.Rounds + 5; i++)
            {
                for (var f = 0; f < farms.Count; f++)
                {
                    var (ms, count) = await farms[f].RoundAsync(ct).ConfigureAwait(false);
                    if (i < 5) continue; // warm-up
                    times[f].Add(ms);
                    granted[f] += count;
                }
            }
            var results = new List<(int History, Times Rounds, Times? ReadAll, double Granted)>();
            for (var f = 0; f < farms.Count; f++)
                results.Add((histories[f], Times.Of(times[f]), histories[f] > 0 ? await farms[f].ReadAllAsync(Math.Min(20, s.Rounds), ct).ConfigureAwait(false) : null, (double)granted[f] / s.Rounds));
            Console.WriteLine(string.Create(inv, $"scheduling round through the store: db={s.Db} machines={s.Machines} held~95% queued={s.Queued} rounds={s.Rounds} (read open requests, leases, machines; decide; claim)"));
            foreach (var r in results)
                Console.WriteLine(string.Create(inv, $"history={r.History,-7} round p50={r.Rounds.P50:F2}ms p99={r.Rounds.P99:F2}ms granted-per-round={r.Granted:F1}"));
            foreach (var r in results.Where(r => r.ReadAll is not null))
                Console.WriteLine(string.Create(inv, $"history={r.History,-7} reading every request, as a round did before: p50={r.ReadAll!.P50:F2}ms p99={r.ReadAll.P99:F2}ms"));
            if (results.Count < 2) return ExitCodes.Success;
            var ratio = results[1].Rounds.P50 / results[0].Rounds.P50;
            Console.WriteLine(string.Create(inv, $"round p50 with history / without: {ratio:F2} (target <= 1.5)"));
            return ratio <= 1.5 ? ExitCodes.Success : ExitCodes.TargetMissed;
        }
        finally
        {
            foreach (var target in targets) await target.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal sealed record Times(double P50, double P99)
    {
        public static Times Of(List<double> ms)
        {
            ms.Sort();
            double P(double q) => ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(q * ms.Count) - 1)];
            return new Times(P(0.5), P(0.99));
        }
    }

    /// <summary>One bench farm: its store and the reservation service over it.</summary>
    private sealed class Farm(SqlFarmStore store, ReservationService service)
    {
        /// <summary>One timed round; its grants are then handed back (untimed).</summary>
        public async Task<(double Ms, int Granted)> RoundAsync(CancellationToken ct)
        {
            var watch = Stopwatch.StartNew();
            var round = await service.ScheduleAsync(Holder, Ttl, ct).ConfigureAwait(false);
            var ms = watch.Elapsed.TotalMilliseconds;
            await HandBackAsync(store, round, ct).ConfigureAwait(false);
            return (ms, round.Count);
        }

        public async Task<Times> ReadAllAsync(int reads, CancellationToken ct)
        {
            var times = new List<double>();
            for (var i = 0; i < reads; i++)
            {
                var watch = Stopwatch.StartNew();
                await store.ListAsync(null, ct).ConfigureAwait(false);
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
            return Times.Of(times);
        }
    }

    private async Task<Farm> SetUpAsync(StoreDialect dialect, Settings s, int history, CancellationToken ct)
    {
        var store = await SqlFarmStore.OpenAsync(dialect, time, ct: ct).ConfigureAwait(false);
        var trace = SimTraceGenerator.Generate(s.Machines, Profiles, 1, 7);
        await store.RegisterAsync([.. trace.Machines.Select(m => new MachineRegistration(m.Id, m.Profile, m.L2Domain))], ct).ConfigureAwait(false);
        var service = ReservationService.OverStore(store, trace.Profiles, new PolicyOptions(), time);
        var rng = new Random(7);
        var now = time.GetUtcNow();
        await HoldAsync(store, trace.Machines, rng, now, ct).ConfigureAwait(false);
        for (var i = 0; i < s.Queued; i++)
        {
            await store.EnqueueAsync(new ReservationRequest
            {
                Id = $"queued-{i:D5}/p/cell", Plan = "p", Profile = $"p{rng.Next(Profiles)}", Priority = (PriorityClass)rng.Next(4), Repository = $"repo-{rng.Next(6)}",
                SubmittedAt = now - TimeSpan.FromMinutes(rng.Next(600)), EstimatedDuration = TimeSpan.FromMinutes(30 + rng.Next(300)),
                Topology = new Topology { Name = "t", Roles = [new TopologyRole { Name = "node", Count = 1 + rng.Next(4) }] },
            }, ct).ConfigureAwait(false);
        }
        if (history > 0)
        {
            var payload = await RequestHistory.PayloadAsync(dialect, "queued-00000/p/cell", ct).ConfigureAwait(false);
            await RequestHistory.WriteAsync(dialect, history, "queued-00000/p/cell", payload, now, ct).ConfigureAwait(false);
        }
        // Current statistics, as a database that grew its history over months has (autovacuum would be busy with it otherwise).
        await RequestHistory.AnalyzeAsync(dialect, ct).ConfigureAwait(false);
        return new Farm(store, service);
    }

    /// <summary>About 95% of the pool held by granted requests of 1-8 machines, each with its active lease.</summary>
    private static async Task HoldAsync(SqlFarmStore store, IReadOnlyList<MachineRecord> machines, Random rng, DateTimeOffset now, CancellationToken ct)
    {
        var target = machines.Count * 95 / 100;
        for (var i = 0; i < target;)
        {
            var n = Math.Min(1 + rng.Next(8), target - i);
            var id = $"running-{i:D5}/p/cell";
            await store.EnqueueAsync(new ReservationRequest
            {
                Id = id, Plan = "p", Profile = null, Priority = (PriorityClass)rng.Next(4), Repository = $"repo-{rng.Next(6)}", SubmittedAt = now,
                EstimatedDuration = TimeSpan.FromMinutes(10 + rng.Next(600)), Topology = new Topology { Name = "t", Roles = [new TopologyRole { Name = "node", Count = n }] },
            }, ct).ConfigureAwait(false);
            var claim = await store.ClaimMachinesAsync(Holder, id, [.. machines.Skip(i).Take(n).Select(m => m.Id)], Ttl, ct).ConfigureAwait(false);
            await store.SetStateAsync(id, RequestState.Granted, "granted", claim.Lease!.Id, ct).ConfigureAwait(false);
            i += n;
        }
    }

    /// <summary>Puts a round's grants back as they were: lease released, machines Available, request queued.</summary>
    private static async Task HandBackAsync(SqlFarmStore store, IReadOnlyList<GrantedRequest> round, CancellationToken ct)
    {
        foreach (var g in round)
        {
            await store.ReleaseAsync(g.Lease.Id, Holder, "bench: handed back", ct).ConfigureAwait(false);
            foreach (var m in g.Lease.Machines) await store.TransitionAsync(m, MachineState.Available, "bench: untouched", ct).ConfigureAwait(false);
            await store.SetStateAsync(g.Request.Id, RequestState.Queued, "bench: handed back", ct: ct).ConfigureAwait(false);
        }
    }

    /// <summary>A throw-away store: a SQLite file in a temp folder, or a fresh schema on TESTFARM_POSTGRES.</summary>
    private sealed class BenchStore(StoreDialect dialect, string? dir, string? admin, string? schema) : IAsyncDisposable
    {
        public StoreDialect Dialect { get; } = dialect;

        public static async Task<BenchStore> CreateAsync(string db, string? admin, CancellationToken ct)
        {
            if (db == "sqlite")
            {
                var dir = Path.Combine(Path.GetTempPath(), $"tf-rounds-{Guid.NewGuid():N}");
                Directory.CreateDirectory(dir);
                return new BenchStore(new SqliteDialect(Path.Combine(dir, "farm.db")), dir, null, null);
            }
            var schema = "rounds_" + Guid.NewGuid().ToString("N")[..12];
            await Pgbench.ExecAsync(admin!, $"CREATE SCHEMA {schema}", ct).ConfigureAwait(false);
            return new BenchStore(new PostgresDialect(new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ConnectionString), null, admin, schema);
        }

        public async ValueTask DisposeAsync()
        {
            if (schema is not null) { NpgsqlConnection.ClearAllPools(); await Pgbench.ExecAsync(admin!, $"DROP SCHEMA {schema} CASCADE", CancellationToken.None).ConfigureAwait(false); }
            if (dir is not null && Directory.Exists(dir))
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
