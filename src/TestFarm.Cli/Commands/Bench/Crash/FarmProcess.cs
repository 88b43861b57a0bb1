using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace TestFarm.Cli.Commands.Bench.Crash;

/// <summary>One <c>testfarm serve --lab</c> child process of the crash bench, and the API client that watches it.</summary>
internal sealed class FarmProcess : IDisposable
{
    private readonly Process _process;

    private FarmProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts this same program as <c>serve --lab</c> on <paramref name="listen"/> with the trial's config root and store, as
    /// instance <paramref name="instance"/>; its log lines are prefixed with <paramref name="label"/> (default: the instance).
    /// </summary>
    public static FarmProcess Start(CrashTrialSetup setup, string listen, string instance, string? label = null)
    {
        var name = label ?? instance;
        var self = Environment.ProcessPath ?? "dotnet";
        var entry = typeof(FarmProcess).Assembly.Location;
        var psi = new ProcessStartInfo(self);
        // One argument each: a PostgreSQL connection string has spaces ("Search Path=...").
        if (System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(entry);
        foreach (var arg in (string[])["serve", "--lab", "--qemu", "0", "--qemu-arm64", "0", "--spares", setup.Spares.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--root", setup.Root, "--db", setup.Db, "--data", System.IO.Path.Combine(setup.Root, "data"),
                     "--listen", listen, "--tokens", setup.TokensFile, "--instance", instance])
            psi.ArgumentList.Add(arg);
        if (setup.GitHub is { } github)
        {
            foreach (var arg in (string[])["--github", "--public-url", listen + "/"]) psi.ArgumentList.Add(arg);
            psi.Environment["GitHub__BaseUrl"] = github.ToString();
            psi.Environment["GitHub__Token"] = "crash-bench-github-token";
            psi.Environment["GitHub__Webhooks__Secret"] = CrashWebhook.Secret;
            // Short waits: a report the killed instance had claimed is taken over within the trial's recovery limit.
            psi.Environment["GitHub__OutboxInterval"] = "00:00:01";
            psi.Environment["GitHub__OutboxMaxBackoff"] = "00:00:05";
            psi.Environment["GitHub__OutboxClaim"] = "00:00:15";
        }
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.WorkingDirectory = setup.Root;
        psi.UseShellExecute = false;
        if (Environment.GetEnvironmentVariable("TESTFARM_MANIFESTS") is null && Environment.GetEnvironmentVariable("TESTFARM_ADDON_CACHE") is null)
            psi.Environment["TESTFARM_ADDON_CACHE"] = Kubernetes.Addons.Catalogue.AddonSources.DefaultCache(setup.Checkout);
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {self}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) setup.Log(name, line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new FarmProcess(process, name);
    }

    /// <summary>SIGKILL, the whole tree: no drain, no shutdown hook.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    public static HttpClient Client(IHttpClientFactory factory, string listen, string token)
    {
        var http = factory.CreateClient("crash-bench");
        http.BaseAddress = new Uri(listen);
        http.Timeout = TimeSpan.FromSeconds(20);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Polls <paramref name="path"/> every half second until <paramref name="done"/> says so, or null at the deadline.</summary>
    public static async Task<JsonNode?> WaitForAsync(HttpClient http, string path, Func<JsonNode, bool> done, TimeSpan within, TimeProvider time, CancellationToken ct)
    {
        var start = time.GetTimestamp();
        while (time.GetElapsedTime(start) < within)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative), ct).ConfigureAwait(false);
                if (response.IsSuccessStatusCode && JsonNode.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)) is { } body && done(body))
                    return body;
            }
            catch (HttpRequestException) { /* not listening (yet, or any more) */ }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { /* a slow answer: ask again */ }
            await Task.Delay(TimeSpan.FromMilliseconds(500), time, ct).ConfigureAwait(false);
        }
        return null;
    }
}
