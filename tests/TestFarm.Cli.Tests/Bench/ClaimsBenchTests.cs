using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Bench;

/// <summary>
/// <c>testfarm bench claims --db postgres</c> end to end on the throw-away PostgreSQL, with the real pgbench: it
/// prints claims/s, the audit, pgbench's tps before and after and the ratio, and leaves no database behind. The
/// numbers themselves are not asserted (a benchmark, not a timed test); its exit code says whether the target was met.
/// </summary>
public sealed partial class ClaimsBenchTests
{
    [GeneratedRegex(@"pgbench simple-update tps=(?<tps>[0-9.]+) \(before (?<before>[0-9.]+), after (?<after>[0-9.]+)\) claims/pgbench=(?<ratio>[0-9.]+)")]
    private static partial Regex RatioLine();

    [Test]
    public async Task A_short_run_prints_the_audit_and_the_ratio_to_pgbench_run_before_and_after()
    {
        var admin = Requirements.Postgres();
        var dll = Requirements.CliDll();
        var pgBin = Environment.GetEnvironmentVariable("TESTFARM_PG_BIN") ?? "/usr/lib/postgresql/15/bin";
        if (!File.Exists(Path.Combine(pgBin, "pgbench"))) Assert.Fail($"pgbench is not in {pgBin} (TESTFARM_PG_BIN)");

        var psi = new ProcessStartInfo("dotnet", $"\"{dll}\" bench claims --db postgres --clients 8 --machines 32 --seconds 1 --warmup-seconds 0")
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["TESTFARM_POSTGRES"] = admin;
        psi.Environment["TESTFARM_PG_BIN"] = pgBin;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        var output = await stdout + await stderr;

        Assert.That(p.ExitCode, Is.EqualTo(ExitCodes.Success).Or.EqualTo(ExitCodes.TargetMissed), output);
        Assert.That(output, Does.Contain("double-held=0 stale-holds=0 broken-histories=0"));
        var m = RatioLine().Match(output);
        Assert.That(m.Success, Is.True, output);
        double Num(string g) => double.Parse(m.Groups[g].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(Num("before"), Is.GreaterThan(0));
        Assert.That(Num("after"), Is.GreaterThan(0));
        Assert.That(Num("tps"), Is.EqualTo((Num("before") + Num("after")) / 2).Within(0.11));
        // The exit code follows the target (the printed ratio is rounded to two places).
        Assert.That(Num("ratio"), p.ExitCode == ExitCodes.Success ? Is.GreaterThanOrEqualTo(0.8) : Is.LessThanOrEqualTo(0.8));

        await using var c = new NpgsqlConnection(admin);
        await c.OpenAsync();
        await using var left = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname LIKE 'pgbench\\_%'", c);
        Assert.That(await left.ExecuteScalarAsync(), Is.EqualTo(0L), "pgbench's throw-away database is dropped");
    }
}
