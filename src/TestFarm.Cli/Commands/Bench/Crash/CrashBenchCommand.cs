using System.CommandLine;
using System.Globalization;
using System.Net;
using Npgsql;

namespace TestFarm.Cli.Commands.Bench.Crash;

/// <summary>
/// <c>testfarm bench crash --trials N [--db sqlite|postgres] [--seed S] [--kill-window SECONDS] [--github]</c>: the crash campaign. Each
/// trial runs a one-cell lab plan on a fresh farm (<c>serve --lab</c> child processes; on PostgreSQL, from
/// <c>TESTFARM_POSTGRES</c>, two instances on one fresh schema), SIGKILLs the first instance at a random point of the run,
/// restarts it, waits for the run to end and the machines to come back, then
/// checks the invariants in the store (<see cref="CrashInvariants"/>). The kill points follow the run: a clean trial (trial 0,
/// no kill, its invariants checked too) times the run's phases, and each kill picks one of them at random and a uniform second
/// inside it (<see cref="KillPoints"/>); <c>--kill-window S</c> draws a uniform second of the first S instead. Prints each trial
/// (the phase aimed at and the phase the cell was in at the kill), the violations (must be 0) and the
/// recovery times (kill → run ended, kill → every machine Available) at p50 and p95. Exit 0: no violation; 5: any; 4: the
/// database is unreachable or lost (one line naming it).
/// </summary>
public sealed class CrashBenchCommand(TimeProvider time, IHttpClientFactory http) : ICliCommand
{
    public string Path => "bench crash";

    public Command Build()
    {
        var trials = new Option<int>("--trials") { DefaultValueFactory = _ => 3, Description = "Trials (each a lab run with one SIGKILL)." };
        var db = new Option<string>("--db") { DefaultValueFactory = _ => "sqlite", Description = "sqlite (one instance) or postgres (two instances; TESTFARM_POSTGRES names the server)." };
        var seed = new Option<int?>("--seed") { Description = "Seed of the kill points (default: from the clock, printed)." };
        var window = new Option<int?>("--kill-window") { Description = "Kill at a random second of this many after the trigger (default: a clean trial times the run, and each kill picks one of its phases and a second in it)." };
        var recovery = new Option<int>("--recovery-limit") { DefaultValueFactory = _ => 420, Description = "Seconds after the kill by which the run must have ended and the machines be back." };
        var profile = new Option<string>("--profile") { DefaultValueFactory = _ => "epyc-9354-e810", Description = "The simulated hardware profile of the plan's cell." };
        var root = new Option<string>("--root") { DefaultValueFactory = _ => ".", Description = "The checkout (hardware-profiles/, scenarios/suites/)." };
        var output = new Option<string?>("--out") { Description = "Where the trials' farms are kept (default: a temporary folder, removed)." };
        var github = new Option<bool>("--github") { Description = "Trigger each run by a signed pull_request webhook and check what a stand-in GitHub (on 127.0.0.1) received: one check run completed exactly once, one sticky comment, an empty outbox." };
        var command = new Command("crash", "Crash campaign: SIGKILL the farm at random points of lab runs, restart it, check the invariants.");
        foreach (var o in new Option[] { trials, db, seed, window, recovery, profile, root, output, github }) command.Options.Add(o);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(trials), parse.GetValue(db)!, parse.GetValue(seed), parse.GetValue(window), parse.GetValue(recovery),
            parse.GetValue(profile)!, System.IO.Path.GetFullPath(parse.GetValue(root)!), parse.GetValue(output), parse.GetValue(github), ct));
        return command;
    }

    private async Task<int> RunAsync(int trials, string db, int? seedOption, int? window, int recoveryLimit, string profile, string checkout, string? output, bool github,
        CancellationToken ct)
    {
        var admin = Environment.GetEnvironmentVariable("TESTFARM_POSTGRES");
        string? usage = trials < 1 ? "--trials must be at least 1"
            : db is not ("sqlite" or "postgres") ? $"--db must be sqlite or postgres, was '{db}'"
            : db == "postgres" && string.IsNullOrWhiteSpace(admin) ? "--db postgres needs TESTFARM_POSTGRES (a connection string)"
            : window < 1 || recoveryLimit < 30 ? "--kill-window must be at least 1 and --recovery-limit at least 30"
            : !File.Exists(System.IO.Path.Combine(checkout, "hardware-profiles", profile + ".yaml")) ? $"--root {checkout} has no hardware-profiles/{profile}.yaml"
            : output is not null && Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any() ? $"--out {output} is not empty (a campaign keeps each trial's farm there)"
            : null;
        if (usage is not null)
        {
            await Console.Error.WriteLineAsync($"bench crash: {usage}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        try
        {
            return await CampaignAsync(trials, db, admin, seedOption, window, recoveryLimit, profile, checkout, output, github, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (CrashDatabase.IsDatabaseFailure(e))
        {
            // Unreachable at the start or lost in a trial: one line naming it (never the password), no stack trace.
            await Console.Error.WriteLineAsync($"bench crash: {CrashDatabase.Describe(e, db == "postgres" ? admin : null)}").ConfigureAwait(false);
            return ExitCodes.RemoteFailure;
        }
    }

    private async Task<int> CampaignAsync(int trials, string db, string? admin, int? seedOption, int? window, int recoveryLimit, string profile, string checkout, string? output,
        bool github, CancellationToken ct)
    {
        if (db == "postgres") await CrashDatabase.ProbeAsync(admin!, ct).ConfigureAwait(false);
        var seed = seedOption ?? (int)(time.GetUtcNow().ToUnixTimeMilliseconds() & int.MaxValue);
        var random = new Random(seed);
        // A fresh folder per campaign: a kept folder of an earlier campaign with the same seed is never reused.
        var folder = output ?? Directory.CreateTempSubdirectory("testfarm-crash-" + seed.ToString(CultureInfo.InvariantCulture) + "-").FullName;
        Console.WriteLine($"bench crash: {trials} trial(s) on {db}{(db == "postgres" ? " (two instances)" : "")}{(github ? " with GitHub" : "")}, seed {seed}, " +
                          (window is { } w ? $"kill in the first {w} s" : "kills over the phases of a clean trial") + $", farms in {folder}");
        var results = new List<CrashTrialResult>();
        IReadOnlyList<PhaseSpan> phases = [];
        var cleanViolations = 0;
        for (var trial = window is null ? 0 : 1; trial <= trials; trial++)
        {
            var root = System.IO.Path.Combine(folder, $"trial-{trial}");
            var store = db == "sqlite" ? "sqlite:" + System.IO.Path.Combine(root, "farm.db") : "postgres:" + await SchemaAsync(admin!, $"crash_{seed}_{trial}", ct).ConfigureAwait(false);
            var log = System.IO.Path.Combine(root, "serve.log");
            await using var hub = github ? await CrashGitHub.StartAsync(ct).ConfigureAwait(false) : null;
            var setup = CrashTrialSetup.Create(checkout, root, store, profile, (name, line) => { lock (results) File.AppendAllText(log, $"{name}: {line}\n"); }, hub?.BaseUrl);
            if (trial == 0)
            {
                // The clean trial: no kill; its run's phases place the kills of the others.
                var clean = await CrashTrial.RunAsync(0, setup, db == "postgres", null, TimeSpan.FromSeconds(recoveryLimit), FreePort, http, time, ct, hub).ConfigureAwait(false);
                phases = clean.Phases;
                cleanViolations = clean.Violations.Count;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"trial 0 (clean, no kill): run {clean.RunId} ended {Seconds(clean.RunEndedAfterKill)} and machines back {Seconds(clean.MachinesBackAfterKill)} after the trigger; " +
                    $"verdict {clean.Verdict ?? "-"}; violations {clean.Violations.Count}; phases: {(phases.Count == 0 ? "none" : string.Join(", ", phases))}"));
                foreach (var v in clean.Violations) Console.WriteLine($"  VIOLATION {v}");
                if (phases.Count == 0) Console.WriteLine("  the clean run gave no phases: kills fall back to the first 60 s");
                continue;
            }
            var kill = window is { } seconds ? KillPoints.InWindow(random, seconds) : phases.Count > 0 ? KillPoints.Draw(random, phases) : KillPoints.InWindow(random, 60);
            var result = await CrashTrial.RunAsync(trial, setup, db == "postgres", kill, TimeSpan.FromSeconds(recoveryLimit), FreePort, http, time, ct, hub).ConfigureAwait(false);
            results.Add(result);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trial {trial}: run {result.RunId} killed at {result.KillAfter.TotalSeconds:0.0} s (aimed at {result.AimedAt}) in {result.KilledIn}; run ended {Seconds(result.RunEndedAfterKill)} " +
                $"and machines back {Seconds(result.MachinesBackAfterKill)} after the kill; verdict {result.Verdict ?? "-"}; violations {result.Violations.Count}"));
            foreach (var v in result.Violations) Console.WriteLine($"  VIOLATION {v}");
        }
        var violations = results.Sum(r => r.Violations.Count) + cleanViolations;
        Console.WriteLine($"trials: {results.Count}, violations: {violations}{(window is null ? " (with the clean trial 0's)" : "")}");
        Console.WriteLine("kills landed in: " + string.Join(", ", results.GroupBy(r => r.KilledIn).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}")));
        Console.WriteLine($"kill → run ended: {Percentiles(results.Select(r => r.RunEndedAfterKill))}; kill → machines Available: {Percentiles(results.Select(r => r.MachinesBackAfterKill))}");
        if (output is null && violations == 0) Directory.Delete(folder, recursive: true);
        return violations == 0 ? ExitCodes.Success : ExitCodes.TargetMissed;
    }

    private static string Seconds(TimeSpan? t) => t is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v.TotalSeconds:0.0} s") : "never";

    private static string Percentiles(IEnumerable<TimeSpan?> values)
    {
        var seconds = values.OfType<TimeSpan>().Select(t => t.TotalSeconds).Order().ToList();
        if (seconds.Count == 0) return "no trial recovered";
        double At(double q) => seconds[Math.Min(seconds.Count - 1, (int)Math.Ceiling(q * seconds.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"p50 {At(0.5):0.0} s, p95 {At(0.95):0.0} s, max {seconds[^1]:0.0} s (n={seconds.Count})");
    }

    /// <summary>A fresh schema for one trial on the TESTFARM_POSTGRES server; the instances share it.</summary>
    private static async Task<string> SchemaAsync(string admin, string schema, CancellationToken ct)
    {
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}", connection);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        return new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema }.ConnectionString;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
