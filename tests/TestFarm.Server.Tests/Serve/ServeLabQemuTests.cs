using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using TestFarm.Lab.Machines;
using TestFarm.Server.Auth;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// <c>testfarm serve --lab</c> brings up the same lab as <c>lab nightly</c>: with QEMU installed (as in CI) the
/// lab-qemu-amd64 profile gets a real QEMU machine by default, and a plan triggered through the API reimages it for real
/// (its firmware network-boots the lab image from the farm's boot service).
/// </summary>
[CancelAfter(300_000), NonParallelizable]
public sealed class ServeLabQemuTests
{
    private const string Operator = "operator-secret-q";

    [Test]
    public async Task Serve_lab_runs_the_lab_qemu_amd64_cell_on_a_real_qemu_machine(CancellationToken ct)
    {
        if (!QemuOptions.IsAvailable()) Assert.Ignore("qemu-system-x86_64 is not installed: serve --lab has no QEMU machine to bring up here");
        if (!File.Exists(Fixtures.Repo(".tools", "kernel", "vmlinuz"))) Assert.Fail("no lab kernel in .tools/kernel: run scripts/install-deps.sh");
        using var root = new TempDirectory("tf-serve-qemu");
        WriteCheckout(root.Path);
        var port = FreeLoopbackPort();
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root.Path,
        };
        foreach (var arg in new[]
                 {
                     Requirements.CliDll(), "serve", "--lab", "--root", root.Path, "--data", Path.Combine(root.Path, "data"), "--spares", "0",
                     "--db", $"sqlite:{Path.Combine(root.Path, "farm.db")}", "--listen", $"http://127.0.0.1:{port}", "--tokens", Path.Combine(root.Path, "tokens"),
                 }) psi.ArgumentList.Add(arg);
        psi.Environment["TESTFARM_MANIFESTS"] = Fixtures.Shared("manifests");
        psi.Environment["TESTFARM_SONOBUOY_RESULTS"] = Fixtures.Shared("sonobuoy", "results-quick-no-failures.tar.gz");
        using var serve = Process.Start(psi)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        serve.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        serve.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        serve.BeginOutputReadLine();
        serve.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Operator);
        try
        {
            await WaitAsync(async () => !serve.HasExited && await Healthy(http), TimeSpan.FromSeconds(180), () => Log(serve, output), ct);

            // The pool: the QEMU machine stands in for one of the profile's two machines (one cell of 1cp-1w, no spares).
            var pool = await GetAsync(http, "/api/v1/machines", ct);
            var qemuProfile = pool.AsArray().Where(m => m!["profile"]!.GetValue<string>() == "lab-qemu-amd64").Select(m => m!["id"]!.GetValue<string>()).ToList();
            Assert.That(qemuProfile, Is.EquivalentTo(new[] { "qemu-01", "sim-0001" }), pool.ToJsonString());

            using var trigger = await http.PostAsJsonAsync("/api/v1/runs", new { plan = "lab-smoke" }, ct);
            Assert.That(trigger.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await trigger.Content.ReadAsStringAsync(ct));
            var runId = JsonNode.Parse(await trigger.Content.ReadAsStringAsync(ct))!["id"]!.GetValue<string>();
            JsonNode run = new JsonObject();
            await WaitAsync(async () => (run = await GetAsync(http, $"/api/v1/runs/{runId}", ct))["finished"] is not null, TimeSpan.FromSeconds(240),
                () => run.ToJsonString() + Log(serve, output), ct);

            // The cell ran on the QEMU machine: its firmware (SeaBIOS, on its serial console) really network-booted from the
            // farm's boot service (the phase ends when the guest fetches its boot script). Whether the guest's agent then calls
            // back within the lab's deadlines depends on the host's load, so the verdict is not asserted here (lab nightly's
            // end-to-end test asserts the whole cell on QEMU).
            var cell = run["cells"]!.AsArray().Single()!;
            Assert.That(cell["machines"]!.AsArray().Select(m => m!.GetValue<string>()), Does.Contain("qemu-01"), cell.ToJsonString());
            // One network-boot phase per machine of the cell (the QEMU one and its simulated peer): each reached network boot.
            var networkBoots = cell["phases"]!.AsArray().Where(p => p!["phase"]!.GetValue<string>() == "reimage/network-boot").ToList();
            Assert.That(networkBoots, Is.Not.Empty, cell.ToJsonString());
            Assert.That(networkBoots.Select(p => p!["state"]!.GetValue<string>()), Is.All.EqualTo("Succeeded"), cell.ToJsonString());
            var console = await File.ReadAllTextAsync(Path.Combine(root.Path, "data", "lab", "qemu-01", "console.log"), ct);
            Assert.That(console, Does.Contain("SeaBIOS"), "a real QEMU guest: its firmware wrote the serial console");
        }
        finally
        {
            await StopAsync(serve);
        }
    }

    private static void WriteCheckout(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "hardware-profiles"));
        Directory.CreateDirectory(Path.Combine(root, "scenarios", "plans"));
        Directory.CreateDirectory(Path.Combine(root, "scenarios", "suites"));
        File.Copy(Fixtures.Repo("hardware-profiles", "lab-qemu-amd64.yaml"), Path.Combine(root, "hardware-profiles", "lab-qemu-amd64.yaml"));
        File.Copy(Fixtures.Repo("scenarios", "suites", "conformance-quick.yaml"), Path.Combine(root, "scenarios", "suites", "conformance-quick.yaml"));
        File.WriteAllText(Path.Combine(root, "scenarios", "plans", "lab-smoke.yaml"), LabPlans.Smoke("{ kind: manual }", "lab-qemu-amd64"));
        Directory.CreateSymbolicLink(Path.Combine(root, ".tools"), Fixtures.Repo(".tools"));
        File.WriteAllText(Path.Combine(root, "tokens"), $"ci operator {TokenAuthenticator.Hash(Operator)}\n");
    }

    private static async Task<bool> Healthy(HttpClient http)
    {
        try { return (await http.GetAsync("/healthz")).IsSuccessStatusCode; }
        catch (HttpRequestException) { return false; }
    }

    private static async Task<JsonNode> GetAsync(HttpClient http, string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"GET {path}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Polls <paramref name="done"/> every 500 ms until it holds; fails naming what was seen when <paramref name="within"/> passes.</summary>
    private static async Task WaitAsync(Func<Task<bool>> done, TimeSpan within, Func<string> seen, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (!await done())
        {
            if (deadline.Elapsed > within) Assert.Fail($"not within {within}: {seen()}");
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
    }

    private static string Log(Process serve, IEnumerable<string> output) =>
        $"serve {(serve.HasExited ? $"exited {serve.ExitCode}" : "running")}; last output: {string.Join(Environment.NewLine, output.TakeLast(20))}";

    /// <summary>SIGTERM (serve stops its lab and QEMU), then the whole tree if it does not stop in time.</summary>
    private static async Task StopAsync(Process serve)
    {
        if (serve.HasExited) return;
        using (var term = Process.Start("kill", ["-TERM", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await serve.WaitForExitAsync(limit.Token); }
        catch (OperationCanceledException) { serve.Kill(entireProcessTree: true); }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
