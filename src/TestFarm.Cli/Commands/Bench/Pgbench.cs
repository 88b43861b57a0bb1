using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>
/// <c>pgbench -b simple-update</c> in a throw-away database of the server under test: the yardstick the claims
/// benchmark is compared with. Dropped on dispose.
/// </summary>
internal sealed class Pgbench : IAsyncDisposable
{
    private readonly string _admin;
    private readonly string _pgbench;
    private readonly string _common;
    private readonly string? _password;
    private readonly string _database;

    private Pgbench(string admin, string pgbench, string common, string? password, string database)
    {
        _admin = admin; _pgbench = pgbench; _common = common; _password = password; _database = database;
    }

    /// <summary>Creates and fills the database (scale 1); null when pgbench is not installed.</summary>
    public static async Task<Pgbench?> CreateAsync(string admin, CancellationToken ct)
    {
        var bin = Environment.GetEnvironmentVariable("TESTFARM_PG_BIN") ?? "/usr/lib/postgresql/15/bin";
        var pgbench = Path.Combine(bin, "pgbench");
        if (!File.Exists(pgbench)) { Console.WriteLine($"pgbench not found at {pgbench} (TESTFARM_PG_BIN); ratio skipped"); return null; }
        var b = new NpgsqlConnectionStringBuilder(admin);
        var database = "pgbench_" + Guid.NewGuid().ToString("N")[..10];
        await ExecAsync(admin, $"CREATE DATABASE {database}", ct).ConfigureAwait(false);
        var bench = new Pgbench(admin, pgbench, $"-h {b.Host} -p {b.Port} -U {b.Username} {database}", b.Password, database);
        try
        {
            await bench.RunAsync($"-i -q -s 1 {bench._common}", ct).ConfigureAwait(false);
            return bench;
        }
        catch
        {
            await bench.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs the simple-update script with <paramref name="clients"/> clients for some seconds; returns its tps.</summary>
    public async Task<double> SimpleUpdateAsync(int clients, int seconds, CancellationToken ct)
    {
        var output = await RunAsync($"-b simple-update -c {clients} -j 2 -T {seconds} -n {_common}", ct).ConfigureAwait(false);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("tps = ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{_pgbench}: no 'tps = ' line in its output: {output}");
        return double.Parse(line["tps = ".Length..].Split(' ')[0], CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecAsync(_admin, $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
    }

    internal static async Task ExecAsync(string cs, string sql, CancellationToken ct)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private async Task<string> RunAsync(string args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(_pgbench, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (_password is not null) psi.Environment["PGPASSWORD"] = _password;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct).ConfigureAwait(false);
        if (p.ExitCode != 0) throw new InvalidOperationException($"{_pgbench} {args}: exit {p.ExitCode}: {await stderr.ConfigureAwait(false)}");
        return await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
    }
}
