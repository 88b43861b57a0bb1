using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// A real <c>testfarm serve</c> child process (the built CLI) on 127.0.0.1 with its own port and data folder, for tests that
/// kill it with SIGKILL. Its output is kept (the last lines) to explain a failure; the API is polled with a deadline, since
/// a real process works on the real clock. Disposing kills what is still running.
/// </summary>
internal sealed class ServeProcess : IDisposable
{
    private const int KeptLines = 200;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServeProcess(Process process, string instance, int port, string token)
    {
        _process = process;
        Instance = instance;
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        Http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(20) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Instance { get; }
    public Uri BaseUrl { get; }
    /// <summary>A client carrying the token given at start.</summary>
    public HttpClient Http { get; }
    public int Id => _process.Id;

    /// <summary>
    /// Starts <c>serve --lab --spares 2 --root ROOT --db DB --data ROOT/DATA --listen http://127.0.0.1:PORT --instance NAME</c>
    /// plus <paramref name="extra"/>, with the lab's manifests and recorded conformance results from the shared fixtures.
    /// <paramref name="root"/> needs a tokens file (<c>testfarm.tokens</c>) and a <c>.tools</c> link for the lab's kernel.
    /// </summary>
    public static ServeProcess Start(string root, int port, string instance, string db, string token,
        IReadOnlyDictionary<string, string>? environment = null, string data = "data", params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root,
        };
        foreach (var a in new[] { Requirements.CliDll(), "serve", "--lab", "--spares", "2", "--root", root, "--db", db, "--data", Path.Combine(root, data),
                     "--listen", $"http://127.0.0.1:{port}", "--instance", instance })
            psi.ArgumentList.Add(a);
        foreach (var a in extra) psi.ArgumentList.Add(a);
        psi.Environment["TESTFARM_MANIFESTS"] = Fixtures.Shared("manifests");
        psi.Environment["TESTFARM_SONOBUOY_RESULTS"] = Fixtures.Shared("sonobuoy", "results-quick-no-failures.tar.gz");
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return new ServeProcess(Process.Start(psi)!, instance, port, token);
    }

    /// <summary>A checkout for <see cref="Start"/>: the fixture's root with the operator token and the lab's tools.</summary>
    public static void Prepare(string root, string operatorSecret)
    {
        Directory.CreateSymbolicLink(Path.Combine(root, ".tools"), Fixtures.Repo(".tools"));
        File.WriteAllText(Path.Combine(root, "testfarm.tokens"), $"oncall operator {TestFarm.Server.Auth.TokenAuthenticator.Hash(operatorSecret)}\n");
    }

    /// <summary>SIGKILL (no drain, no flush), then waits for the process to be gone.</summary>
    public async Task KillAsync(CancellationToken ct)
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(ct);
    }

    /// <summary>
    /// GETs <paramref name="path"/> every 250 ms until <paramref name="done"/> holds for the answer (returned); fails the test
    /// when <paramref name="within"/> passed or the process exited, with the process's last output lines.
    /// </summary>
    public async Task<JsonNode> WaitUntilAsync(string path, Func<JsonNode, bool> done, TimeSpan within, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var last = "(no answer yet)";
        while (true)
        {
            if (_process.HasExited) Assert.Fail($"{Instance} exited ({_process.ExitCode}) while waiting on {path}:\n{Tail()}");
            if (watch.Elapsed > within) Assert.Fail($"{Instance}: {path} did not reach the expected answer within {within}: {Cut(last)}\n{Tail()}");
            try
            {
                using var response = await Http.GetAsync(new Uri(path.TrimStart('/'), UriKind.Relative), ct);
                last = await response.Content.ReadAsStringAsync(ct);
                if (response.IsSuccessStatusCode && JsonNode.Parse(last) is { } body && done(body))
                {
                    TestContext.Progress.WriteLine($"{Instance}: {path} as expected after {watch.Elapsed.TotalSeconds:F1} s");
                    return body;
                }
            }
            catch (HttpRequestException) { /* not listening yet */ }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { /* a slow answer on a loaded machine: ask again */ }
            await Task.Delay(250, ct);
        }
    }

    /// <summary>The last lines the process wrote (standard output and error).</summary>
    public string Tail() => string.Join('\n', _output);

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { /* gone already */ }
        _process.Dispose();
        Http.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(Cut(line));
        while (_output.Count > KeptLines) _output.TryDequeue(out _);
    }

    private static string Cut(string text) => text.Length > 2000 ? text[..2000] + "…" : text;
}
