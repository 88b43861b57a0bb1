using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TestFarm.Core.Runs;
using TestFarm.Server.Auth;

namespace TestFarm.Cli.Commands.Bench.Crash;

/// <summary>Where one trial's farm lives: its config root (profiles, suite, plan), its store and its tokens file.</summary>
internal sealed record CrashTrialSetup(string Checkout, string Root, string Db, string TokensFile, int Spares, Action<string, string> Log, Uri? GitHub = null)
{
    public const string Plan = "crash-smoke";
    public const string Token = "crash-bench-operator";

    /// <summary>A fresh config root for one trial: the checkout's profile and quick conformance suite, a one-cell plan, a token.</summary>
    /// <summary>With <paramref name="github"/>, the plan is a pull-request plan and the farms report to that (stand-in) GitHub.</summary>
    public static CrashTrialSetup Create(string checkout, string root, string db, string profile, Action<string, string> log, Uri? github = null)
    {
        Directory.CreateDirectory(Path.Combine(root, "hardware-profiles"));
        Directory.CreateDirectory(Path.Combine(root, "scenarios", "plans"));
        Directory.CreateDirectory(Path.Combine(root, "scenarios", "suites"));
        File.Copy(Path.Combine(checkout, "hardware-profiles", profile + ".yaml"), Path.Combine(root, "hardware-profiles", profile + ".yaml"));
        File.Copy(Path.Combine(checkout, "scenarios", "suites", "conformance-quick.yaml"), Path.Combine(root, "scenarios", "suites", "conformance-quick.yaml"));
        File.WriteAllText(Path.Combine(root, "scenarios", "plans", Plan + ".yaml"), $$"""
            name: {{Plan}}
            trigger: { kind: {{(github is null ? "manual" : "pull-request")}} }
            matrix:
              profiles:
                - name: {{profile}}
              topologies:
                - name: 1cp-1w
                  roles:
                    - { name: control-plane, count: 1 }
                    - { name: worker, count: 1 }
            cluster:
              deployer: lab
              kubernetesVersion: 1.32.3
              addOns:
                - { name: metallb, version: 0.15.3 }
            suites: [conformance-quick]
            timeouts: { reimage: 5m, deploy: 5m, addons: 5m, suites: 5m, clean: 5m }
            retries: 2
            """);
        if (Directory.Exists(Path.Combine(checkout, ".tools")) && !Directory.Exists(Path.Combine(root, ".tools")))
            Directory.CreateSymbolicLink(Path.Combine(root, ".tools"), Path.Combine(checkout, ".tools"));
        var tokens = Path.Combine(root, "testfarm.tokens");
        File.WriteAllText(tokens, $"crash-bench operator {TokenAuthenticator.Hash(Token)}\n");
        return new CrashTrialSetup(checkout, root, db, tokens, 2, log, github);
    }
}

/// <summary>What one trial saw: where the kill landed, how long until the run ended and the machines were back, what broke.</summary>
/// <remarks>A clean trial (no kill) times the run instead: its recovery times count from the trigger, and <see cref="Phases"/> holds its phases.</remarks>
internal sealed record CrashTrialResult(int Trial, string RunId, TimeSpan KillAfter, string KilledIn, TimeSpan? RunEndedAfterKill,
    TimeSpan? MachinesBackAfterKill, string? Verdict, IReadOnlyList<string> Violations)
{
    public string AimedAt { get; init; } = "-";
    public IReadOnlyList<PhaseSpan> Phases { get; init; } = [];
}

/// <summary>
/// One trial: start the farm (SQLite: one instance; PostgreSQL: two on one database), trigger the plan, SIGKILL the first
/// instance at the <see cref="KillPoint"/> (none: a clean trial that times the run's phases), restart it under the same instance name (on PostgreSQL the other instance carries
/// on meanwhile), wait until
/// the run has ended and every machine is Available, stop everything and check the invariants in the store.
/// </summary>
internal static class CrashTrial
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);

    public static async Task<CrashTrialResult> RunAsync(int trial, CrashTrialSetup setup, bool twoInstances, KillPoint? kill, TimeSpan recoveryLimit,
        Func<int> freePort, IHttpClientFactory http, TimeProvider time, CancellationToken ct, CrashGitHub? github = null)
    {
        var killAfter = kill?.After ?? TimeSpan.Zero;
        var listenA = $"http://127.0.0.1:{freePort()}";
        var listenB = twoInstances ? $"http://127.0.0.1:{freePort()}" : listenA;
        using var apiA = FarmProcess.Client(http, listenA, CrashTrialSetup.Token);
        using var apiB = FarmProcess.Client(http, listenB, CrashTrialSetup.Token);
        var violations = new List<string>();
        FarmProcess? a = null, b = null, restarted = null;
        try
        {
            a = FarmProcess.Start(setup, listenA, $"crash-{trial}-a");
            if (await FarmProcess.WaitForAsync(apiA, "/api/v1/pool", _ => true, StartLimit, time, ct).ConfigureAwait(false) is null)
                return Failed(trial, killAfter, $"{a.Name} did not answer within {StartLimit.TotalSeconds:0} s");
            if (twoInstances)
            {
                b = FarmProcess.Start(setup, listenB, $"crash-{trial}-b");
                if (await FarmProcess.WaitForAsync(apiB, "/api/v1/pool", _ => true, StartLimit, time, ct).ConfigureAwait(false) is null)
                    return Failed(trial, killAfter, $"{b.Name} did not answer within {StartLimit.TotalSeconds:0} s");
            }
            var sha = CrashWebhook.Sha(trial);
            var (runId, refused) = github is null ? await TriggerAsync(apiA, ct).ConfigureAwait(false) : await TriggerByWebhookAsync(apiA, sha, time, ct).ConfigureAwait(false);
            if (runId is null) return Failed(trial, killAfter, refused!);

            var killed = time.GetTimestamp();
            var killedIn = "-";
            if (kill is not null)
            {
                await Task.Delay(killAfter, time, ct).ConfigureAwait(false);
                killedIn = await PhaseAsync(apiA, runId, ct).ConfigureAwait(false);
                await a.KillAsync().ConfigureAwait(false);
                killed = time.GetTimestamp();
                // Started again under its own name: it reclaims the leases its killed process held without waiting for their TTL.
                restarted = FarmProcess.Start(setup, listenA, $"crash-{trial}-a", label: $"crash-{trial}-a (restarted)");
            }
            var watch = twoInstances ? apiB : apiA;
            var run = await FarmProcess.WaitForAsync(watch, $"/api/v1/runs/{runId}", r => RunTransitions.IsEnded(Enum.Parse<RunState>(r["state"]!.GetValue<string>())),
                recoveryLimit, time, ct).ConfigureAwait(false);
            TimeSpan? ended = run is null ? null : time.GetElapsedTime(killed);
            if (run is null) violations.Add($"run {runId} did not end within {recoveryLimit.TotalSeconds:0} s of the kill");
            var pool = await FarmProcess.WaitForAsync(watch, "/api/v1/pool", p => p["byState"]!.AsObject().All(s => s.Key == "Available"),
                recoveryLimit, time, ct).ConfigureAwait(false);
            TimeSpan? back = pool is null ? null : time.GetElapsedTime(killed);
            if (pool is null) violations.Add($"not every machine was Available within {recoveryLimit.TotalSeconds:0} s of the kill");
            if (github is not null)
            {
                var outbox = await FarmProcess.WaitForAsync(watch, "/api/v1/github/outbox", o => o["pending"]!.GetValue<int>() == 0 && o["entries"]!.AsArray().Count == 0,
                    recoveryLimit, time, ct).ConfigureAwait(false);
                if (outbox is null) violations.Add($"reports were left pending in the GitHub outbox {recoveryLimit.TotalSeconds:0} s after the kill");
                violations.AddRange(CrashGitHubInvariants.Check(github, runId, sha));
            }
            foreach (var p in new[] { restarted ?? a, b }) if (p is not null) await p.KillAsync().ConfigureAwait(false);
            violations.AddRange(await CrashInvariants.CheckAsync(setup.Db, runId, time, ct).ConfigureAwait(false));
            return new CrashTrialResult(trial, runId, killAfter, killedIn, ended, back, run?["verdict"]?.GetValue<string>(), violations)
            {
                AimedAt = kill?.AimedAt ?? "-",
                Phases = kill is null && run is not null && ended is { } took ? KillPoints.FromRun(run, took.TotalSeconds) : [],
            };
        }
        finally
        {
            a?.Dispose();
            b?.Dispose();
            restarted?.Dispose();
        }
    }

    private static async Task<(string? RunId, string? Refused)> TriggerAsync(HttpClient api, CancellationToken ct)
    {
        using var triggered = await api.PostAsJsonAsync(new Uri("/api/v1/runs", UriKind.Relative), new { plan = CrashTrialSetup.Plan }, ct).ConfigureAwait(false);
        var body = await triggered.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return triggered.IsSuccessStatusCode && JsonNode.Parse(body)?["id"]?.GetValue<string>() is { } runId
            ? (runId, null) : (null, $"trigger answered {(int)triggered.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
    }

    /// <summary>A signed pull_request.opened to the farm, then the run it started (the only one).</summary>
    private static async Task<(string? RunId, string? Refused)> TriggerByWebhookAsync(HttpClient api, string sha, TimeProvider time, CancellationToken ct)
    {
        using var delivered = await CrashWebhook.SendAsync(api, sha, ct).ConfigureAwait(false);
        var body = await delivered.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!delivered.IsSuccessStatusCode) return (null, $"the webhook was answered {(int)delivered.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
        var runs = await FarmProcess.WaitForAsync(api, "/api/v1/runs", r => r.AsArray().Count > 0, TimeSpan.FromSeconds(30), time, ct).ConfigureAwait(false);
        return runs?.AsArray()[0]?["id"]?.GetValue<string>() is { } runId ? (runId, null) : (null, $"the webhook started no run: {body[..Math.Min(body.Length, 300)]}");
    }

    /// <summary>The phase the run's cell was in at the kill (the last one listed), or the run's state when it had none yet.</summary>
    private static async Task<string> PhaseAsync(HttpClient api, string runId, CancellationToken ct)
    {
        try
        {
            var run = await api.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/runs/{runId}", UriKind.Relative), ct).ConfigureAwait(false);
            var phases = run?["cells"]?.AsArray().SelectMany(c => c?["phases"]?.AsArray() ?? []).Select(p => p?["phase"]?.GetValue<string>()).OfType<string>().ToList();
            return phases is { Count: > 0 } ? phases[^1] : run?["state"]?.GetValue<string>() ?? "?";
        }
        catch (HttpRequestException) { return "?"; }
    }

    private static CrashTrialResult Failed(int trial, TimeSpan killAfter, string why) =>
        new(trial, "-", killAfter, "-", null, null, null, [why]);
}
