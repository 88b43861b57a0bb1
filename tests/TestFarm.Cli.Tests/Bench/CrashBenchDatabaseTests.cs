using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TestFarm.Cli.Commands.Bench.Crash;
using TestFarm.Storage.Database;
using TestFarm.Testing;

namespace TestFarm.Cli.Tests.Bench;

/// <summary><c>testfarm bench crash</c> with its database away: one line naming it, no stack trace, no password, a non-zero exit.</summary>
public sealed class CrashBenchDatabaseTests
{
    private const string Password = "crash-bench-canary-pw-0b1f";

    [Test]
    public async Task An_unreachable_postgres_server_gets_one_line_naming_it_and_exit_code_4()
    {
        var dll = Requirements.CliDll();
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        } // closed again: nothing listens there
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "..", "..", "..", "..", ".."));
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "bench", "crash", "--db", "postgres", "--trials", "1", "--root", root }) psi.ArgumentList.Add(a);
        psi.Environment["TESTFARM_POSTGRES"] = $"Host=127.0.0.1;Port={port};Username=farm;Password={Password};Database=farmdb";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var error = (await stderr).Trim();

        Assert.That(p.ExitCode, Is.EqualTo(ExitCodes.RemoteFailure), await stdout + error);
        Assert.That(error.Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(error, Does.StartWith($"bench crash: the database postgres 127.0.0.1:{port}/farmdb (TESTFARM_POSTGRES) is unreachable or was lost (connect): "));
        Assert.That(error + await stdout, Does.Not.Contain(Password).And.Not.Contain("   at ").And.Not.Contain("Exception"));
    }

    [Test]
    public async Task A_kept_folder_given_as_out_is_refused_in_one_line_and_never_reused()
    {
        var dll = Requirements.CliDll();
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "..", "..", "..", "..", ".."));
        var kept = Directory.CreateTempSubdirectory("crash-out-");
        try
        {
            File.WriteAllText(Path.Combine(kept.FullName, "earlier-trial.txt"), "kept from an earlier campaign");
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { dll, "bench", "crash", "--db", "sqlite", "--trials", "1", "--root", root, "--out", kept.FullName }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            var error = (await stderr).Trim();

            Assert.That(p.ExitCode, Is.EqualTo(ExitCodes.Usage), await stdout + error);
            Assert.That(error, Is.EqualTo($"bench crash: --out {kept.FullName} is not empty (a campaign keeps each trial's farm there)"));
            Assert.That(Directory.EnumerateFileSystemEntries(kept.FullName).Select(Path.GetFileName), Is.EquivalentTo(new[] { "earlier-trial.txt" }));
        }
        finally
        {
            kept.Delete(recursive: true);
        }
    }

    [Test]
    public void A_database_lost_in_a_trial_is_described_by_its_place_and_operation_bounded()
    {
        var lost = new StoreException("postgres 127.0.0.1:5432/farm schema crash_1_1", "list leases", "connection reset\n" + new string('x', 5000),
            new SocketException((int)SocketError.ConnectionReset));

        var line = CrashDatabase.Describe(new InvalidOperationException("wrapped", lost), null);

        Assert.That(CrashDatabase.IsDatabaseFailure(new InvalidOperationException("wrapped", lost)), Is.True);
        Assert.That(CrashDatabase.IsDatabaseFailure(new InvalidOperationException("not a database")), Is.False);
        Assert.That(line, Does.StartWith("the database postgres 127.0.0.1:5432/farm schema crash_1_1 is unreachable or was lost (list leases): "));
        Assert.That(line, Does.Not.Contain("\n"));
        Assert.That(line.Length, Is.LessThan(500));
    }
}
