using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TestFarm.Core.Runs;
using TestFarm.Server.Auth;
using TestFarm.Storage.Audit;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// A run belongs to the farm: a real <c>testfarm serve --lab</c> process on SQLite is killed with SIGKILL while its cell
/// holds machines; the same farm started again (same store, same Quartz job store) recovers the cell's job, retries the
/// cell from reserve on other machines, and the run still ends Passed, with the lost attempt named and no machine ever
/// in two leases. Real processes, so this polls the API with deadlines.
/// </summary>
[CancelAfter(240_000), NonParallelizable]
public sealed class ServeKillRecoveryTests
{
    private const string Secret = "kill-test-operator";

    [Test]
    public async Task A_killed_instances_cell_is_recovered_after_a_restart_and_retried_and_the_run_ends_Passed(CancellationToken ct)
    {
        var dll = Requirements.CliDll();
        await using var fixture = new ServeFixture();
        var db = Path.Combine(fixture.Root, "farm.db");
        Directory.CreateSymbolicLink(Path.Combine(fixture.Root, ".tools"), Fixtures.Repo(".tools"));
        File.WriteAllText(Path.Combine(fixture.Root, "testfarm.tokens"), $"oncall operator {TokenAuthenticator.Hash(Secret)}\n");
        var port = FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Secret);

        string runId;
        using (var first = Start(dll, fixture.Root, port, "serve-first"))
        {
            await WaitUntilAsync(http, "/api/v1/pool", _ => true, first, TimeSpan.FromSeconds(60), ct);
            var triggered = await http.PostAsJsonAsync("/api/v1/runs", new { plan = "lab-smoke" }, ct);
            Assert.That(triggered.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await triggered.Content.ReadAsStringAsync(ct));
            runId = (await triggered.Content.ReadFromJsonAsync<JsonObject>(ct))!["id"]!.GetValue<string>();
            // Killed while the cell holds its machines (reimage has begun).
            await WaitUntilAsync(http, $"/api/v1/runs/{runId}", run => Phases(run).Contains("reimage"), first, TimeSpan.FromSeconds(60), ct);
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync(ct);
        }
        var store = await SqlFarmStore.OpenSqliteAsync(db, TimeProvider.System, ct: ct);
        Assert.That((await store.ListCellWorkAsync(runId, ct)).Single().State, Is.EqualTo(CellWorkState.Running), "the killed instance was running the cell");
        Assert.That(await store.ListLeasesAsync(activeOnly: true, ct), Has.Count.EqualTo(1), "the dead instance's lease still holds its machines");

        using (var second = Start(dll, fixture.Root, port, "serve-second"))
        {
            var run = await WaitUntilAsync(http, $"/api/v1/runs/{runId}", r => RunTransitions.IsEnded(Enum.Parse<RunState>(r["state"]!.GetValue<string>())),
                second, TimeSpan.FromSeconds(150), ct);
            Assert.That(run["state"]!.GetValue<string>(), Is.EqualTo("Passed"), run.ToJsonString());
            var cell = run["cells"]!.AsArray().Single()!;
            Assert.That(cell["evidence"]!["attempts"]!.GetValue<string>(), Is.EqualTo("2 (1 lost with their farm instance)"));
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync(ct);
        }

        var work = (await store.ListCellWorkAsync(runId, ct)).Single();
        Assert.That((work.State, work.Attempts), Is.EqualTo((CellWorkState.Recorded, 2)));
        var attempts = (await store.ReadAsync($"{runId}/{work.CellId}", 0, 1000, ct)).Where(e => e.Kind == "cell-attempt").Select(e => e.Reason).ToList();
        Assert.That(attempts, Is.EqualTo(new[] { "attempt 1 taken by serve-first", "attempt 2 taken by serve-second" }));
        var requests = (await store.ListAsync(null, ct)).Select(r => r.Request.Id).ToList();
        Assert.That(requests, Is.EquivalentTo(new[] { $"{runId}/{work.CellId}", $"{runId}/{work.CellId}#2" }), "the retry reserved afresh");
        var audit = await HoldAudit.RunAsync(new SqliteDialect(db), ct);
        Assert.That(audit.DoubleHeldNow, Is.Zero);
        Assert.That(audit.Clean, Is.True, string.Join("; ", audit.Problems));
        Assert.That(File.Exists(Path.Combine(new TestFarm.Reporting.RunFolders(Path.Combine(fixture.Root, "data")).Run(runId), "junit.xml")), Is.True);
    }

    private static Process Start(string dll, string root, int port, string instance)
    {
        var psi = new ProcessStartInfo("dotnet",
            $"\"{dll}\" serve --lab --spares 2 --root \"{root}\" --db sqlite:farm.db --data \"{Path.Combine(root, "data")}\" --listen http://127.0.0.1:{port} --instance {instance}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root,
        };
        psi.Environment["TESTFARM_MANIFESTS"] = Fixtures.Shared("manifests");
        psi.Environment["TESTFARM_SONOBUOY_RESULTS"] = Fixtures.Shared("sonobuoy", "results-quick-no-failures.tar.gz");
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static IReadOnlyList<string> Phases(JsonNode run) =>
        [.. run["cells"]!.AsArray().SelectMany(c => c!["phases"]!.AsArray()).Select(p => p!["phase"]!.GetValue<string>())];

    private static async Task<JsonNode> WaitUntilAsync(HttpClient http, string path, Func<JsonNode, bool> done, Process serve, TimeSpan within, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + within;
        var last = "(no answer yet)";
        while (true)
        {
            if (serve.HasExited) Assert.Fail($"serve exited ({serve.ExitCode}) while waiting on {path}: {await serve.StandardError.ReadToEndAsync(ct)}");
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{path} did not reach the expected answer within {within}: {last}");
            try
            {
                using var response = await http.GetAsync(path, ct);
                last = await response.Content.ReadAsStringAsync(ct);
                if (response.IsSuccessStatusCode && JsonNode.Parse(last) is { } body && done(body)) return body;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            await Task.Delay(250, ct);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
