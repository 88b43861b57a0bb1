using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Bench;

/// <summary>
/// The secrets canary for a PostgreSQL password: <c>serve</c> and <c>bench crash</c> given a connection string whose password
/// is a canary, with the server unreachable (the moment a farm is most tempted to print what it tried), name the database
/// and never print the password.
/// </summary>
public sealed class PostgresPasswordCanaryTests
{
    private static readonly string Canary = "CANARYpg" + Guid.NewGuid().ToString("N")[..12];

    [Test, CancelAfter(180_000)]
    public async Task Serve_and_bench_crash_name_an_unreachable_database_without_its_password(CancellationToken ct)
    {
        var dll = Requirements.CliDll();
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "..", "..", "..", "..", ".."));
        var port = ClosedPort();
        var connection = $"Host=127.0.0.1;Port={port};Username=farm;Password={Canary};Database=farmdb;Timeout=3";
        using var tokens = new TempDirectory();
        File.WriteAllText(tokens.File("testfarm.tokens"), $"canary operator {Server.Auth.TokenAuthenticator.Hash("canary-token")}\n");

        var serve = await RunAsync(dll, ["serve", "--db", "postgres:" + connection, "--listen", $"http://127.0.0.1:{ClosedPort()}", "--root", root,
            "--data", tokens.File("data"), "--tokens", tokens.File("testfarm.tokens")], null, ct);
        var bench = await RunAsync(dll, ["bench", "crash", "--db", "postgres", "--trials", "1", "--root", root], connection, ct);

        foreach (var (what, output) in new[] { ("serve", serve), ("bench crash", bench) })
        {
            Assert.That(output, Does.Contain($"127.0.0.1:{port}"), $"{what} names the database it could not reach: {output[..Math.Min(2000, output.Length)]}");
            Assert.That(output, Does.Not.Contain(Canary), $"{what} printed the password");
        }
    }

    private static async Task<string> RunAsync(string dll, string[] args, string? postgres, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (postgres is not null) psi.Environment["TESTFARM_POSTGRES"] = postgres;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try { await p.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct); }
        catch (TimeoutException) { p.Kill(entireProcessTree: true); }
        return await stdout + await stderr;
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
