using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TestFarm.Core.GitHub;
using TestFarm.GitHub;
using TestFarm.Server.Auth;
using TestFarm.Server.Hosting;
using TestFarm.Server.Runs;
using TestFarm.Server.Webhooks;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Testing.GitHub;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// Every secret the farm handles carries a canary (API tokens, the webhook secret, the GitHub token, the GitHub App's
/// private key, the lab BMCs' password, the lab cluster's kubeconfig credentials, a hands-on reservation's cluster
/// credentials); after a lab run and a signed webhook, no log line, file in the data folder, API answer, dashboard page or
/// database file holds one. The cell's kubeconfig artifact and the reservation's kept kubeconfig are the places a cluster
/// credential is on purpose: served as a file (the reservation's to its holder or an operator only), never inline in a
/// page, answer or log.
/// </summary>
[CancelAfter(240_000), NonParallelizable]
public sealed class SecretsCanaryTests
{
    private static readonly string Tag = "CANARY" + Guid.NewGuid().ToString("N")[..12];

    [Test]
    public async Task No_secret_reaches_a_log_a_file_an_answer_a_page_or_the_database(CancellationToken ct)
    {
        string viewer = Tag + "-viewer", op = Tag + "-operator", admin = Tag + "-admin", hook = Tag + "-webhook", gitHub = Tag + "-github";
        await using var fixture = new ServeFixture();
        var lines = new ConcurrentQueue<string>();
        using var labLogs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLogger(lines)));
        var backend = await fixture.LabAsync(ct, loggers: labLogs);
        var rig = ((FarmBackendHost)backend).Services.GetService(Type.GetType("TestFarm.Lab.Backend.LabRig, TestFarm.Lab", throwOnError: true)!)!;
        var bmcPassword = (string)rig.GetType().GetProperty("Password")!.GetValue(rig)!;
        using var appKey = System.Security.Cryptography.RSA.Create(2048);
        var appPem = appKey.ExportRSAPrivateKeyPem();
        // Every full line of the key's body: any one of them in a log, file, answer or page is the key leaking.
        var appKeyLines = appPem.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.Length == 64).ToList();

        var db = Path.Combine(fixture.Root, "farm.db");
        var options = ServeFixture.Options(fixture.Config, new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = db }, "serve-canary") with
        {
            GitHubWebhooks = true, MetricsRequireToken = true,
            Tokens = [
                new() { Name = "dashboard", Role = ApiRole.Viewer, Sha256 = TokenAuthenticator.Hash(viewer) },
                new() { Name = "oncall", Role = ApiRole.Operator, Sha256 = TokenAuthenticator.Hash(op) },
                new() { Name = "root", Role = ApiRole.Admin, Sha256 = TokenAuthenticator.Hash(admin) }],
        };
        var app = await FarmServer.BuildAsync(options, backend, logging: b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLogger(lines)), configureServices: s =>
        {
            s.AddSingleton<IGitHubApi>(new FakeGitHubApi());
            s.Configure<GitHubOptions>(o =>
            {
                o.Token = gitHub;
                (o.AppId, o.InstallationId, o.PrivateKeyPem) = (4242, 4343, appPem);
            });
            s.Configure<GitHubWebhookOptions>(o => o.Secret = hook);
        }, ct: ct);
        await using var owned = app;
        await app.StartAsync(ct);
        using var api = new ApiClient(new Uri(FarmServer.BoundAddress(app)), app);

        var (status, body, text, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/runs", op, new { plan = "lab-smoke" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), text);
        var runId = body!["id"]!.GetValue<string>();
        using (var http = new HttpClient { BaseAddress = new Uri(FarmServer.BoundAddress(app)), Timeout = TimeSpan.FromSeconds(30) })
        {
            var payload = Encoding.UTF8.GetBytes("{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/github") { Content = new ByteArrayContent(payload) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Add("X-GitHub-Event", "ping");
            request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(hook, payload));
            using var answer = await http.SendAsync(request, ct);
            Assert.That((int)answer.StatusCode, Is.LessThan(300), await answer.Content.ReadAsStringAsync(ct));
        }
        var run = await api.WaitForRunEndAsync(runId, TimeSpan.FromSeconds(150), ct, viewer);
        var cell = run["cells"]!.AsArray().Single()!;
        var cellId = cell["cellId"]!.GetValue<string>();

        // The lab cluster's credentials: whatever the kubeconfig artifact carries as a secret.
        var kubeconfig = Path.Combine(new TestFarm.Reporting.RunFolders(Path.Combine(fixture.Root, "data")).Run(runId), "cells", cellId.Replace('/', '_'), "kubeconfig");
        static List<string> Credentials(string kubeconfigText) => kubeconfigText.Split('\n').Select(l => l.Trim())
            .Where(l => l.StartsWith("token:", StringComparison.Ordinal) || l.StartsWith("client-key-data:", StringComparison.Ordinal) || l.StartsWith("password:", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Trim('"')).Where(v => v.Length >= 8).ToList();
        var clusterSecrets = Credentials(File.ReadAllText(kubeconfig));
        Assert.That(clusterSecrets, Is.Not.Empty, "the lab kubeconfig carries a credential: " + File.ReadAllText(kubeconfig)[..Math.Min(400, File.ReadAllText(kubeconfig).Length)]);
        Assert.That(appKeyLines, Has.Count.GreaterThan(10), "the App key's body is scanned line by line");

        // A hands-on reservation with a cluster: its kubeconfig's credentials are canaries too (handed over only by its endpoint).
        var (asked, reservation, askedText, _) = await api.SendAsync(HttpMethod.Post, "/api/v1/reservations", op,
            new { profile = "epyc-9354-e810", count = 1, reason = "canary cluster", deployCluster = true });
        Assert.That(asked, Is.EqualTo(HttpStatusCode.Created), askedText);
        var reservationId = reservation!["id"]!.GetValue<string>();
        var ready = await api.WaitUntilAsync($"/api/v1/reservations/{reservationId}", r => r["state"]!.GetValue<string>() is "Ready" or "Ended", TimeSpan.FromSeconds(60), ct, viewer);
        Assert.That(ready["state"]!.GetValue<string>(), Is.EqualTo("Ready"), ready.ToJsonString());
        var (handed, _, reservationKube, _) = await api.SendAsync(HttpMethod.Get, $"/api/v1/reservations/{reservationId}/kubeconfig", op);
        Assert.That(handed, Is.EqualTo(HttpStatusCode.OK), reservationKube[..Math.Min(300, reservationKube.Length)]);
        var reservationSecrets = Credentials(reservationKube);
        Assert.That(reservationSecrets, Is.Not.Empty, "the reservation's kubeconfig carries a credential");
        var reservationKubeconfig = Path.Combine(fixture.Root, "data", "reservations", reservationId, "kubeconfig");
        Assert.That(File.Exists(reservationKubeconfig), Is.True, reservationKubeconfig);
        var canaries = new[] { viewer, op, admin, hook, gitHub, bmcPassword }.Concat(clusterSecrets).Concat(reservationSecrets).Concat(appKeyLines).ToList();

        var hits = new List<string>();
        void Scan(string where, string content)
        {
            foreach (var canary in canaries) if (content.Contains(canary, StringComparison.Ordinal)) hits.Add($"{where} holds {canary[..Math.Min(16, canary.Length)]}…");
        }

        // Answers: every GET the OpenAPI document lists (files as the catalog names them), then the dashboard's pages.
        var doc = await api.GetAsync("/openapi/v1.json", viewer);
        var machine = cell["machines"]!.AsArray()[0]!.GetValue<string>();
        var urls = new List<string>();
        foreach (var (path, item) in doc["paths"]!.AsObject())
        {
            if (item!["get"] is null || path.Contains("{path}", StringComparison.Ordinal) || path.EndsWith(".zip", StringComparison.Ordinal)) continue;
            // The console's follow stream never ends (its text is the console read's, scanned below); no reservation exists here.
            if (path.EndsWith("/console/stream", StringComparison.Ordinal) || path.StartsWith("/api/v1/reservations/", StringComparison.Ordinal)) continue;
            urls.Add(path.Replace("{id}", path.StartsWith("/api/v1/machines", StringComparison.Ordinal) ? machine : runId, StringComparison.Ordinal).Replace("{name}", "report.html", StringComparison.Ordinal));
        }
        urls.AddRange(["/api/v1/leases?all=true", "/api/v1/reservations", $"/api/v1/reservations/{reservationId}", $"/reservations/{reservationId}",
            "/", "/runs", "/queue", "/reservations", $"/machines/{machine}", $"/runs/{runId}", $"/runs/{runId}/cells/{cellId}"]);
        foreach (var url in urls)
        {
            var (got, _, page, _) = await api.SendAsync(HttpMethod.Get, url, admin);
            Assert.That(got, Is.EqualTo(HttpStatusCode.OK), $"GET {url}: {page[..Math.Min(300, page.Length)]}");
            Scan($"GET {url}", page);
        }
        Assert.That(urls, Has.Count.GreaterThan(15), "the walk reaches the API and the pages");

        // Files: every report and artifact under the data folder but the kubeconfig served on purpose; the database files.
        var files = Directory.EnumerateFiles(Path.Combine(fixture.Root, "data"), "*", SearchOption.AllDirectories).Where(f => f != kubeconfig && f != reservationKubeconfig)
            .Concat(Directory.EnumerateFiles(fixture.Root, "farm*")).ToList();
        Assert.That(files.Any(f => f.EndsWith("junit.xml", StringComparison.Ordinal)) && files.Contains(db), Is.True, string.Join(", ", files.Take(20)));
        foreach (var file in files) Scan(file, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file, ct)));

        // Logs: every line any logger of the server or the lab (its BMC client, deployer, suites) wrote, at every level.
        Assert.That(lines, Is.Not.Empty);
        foreach (var line in lines) Scan("log", line);

        // The kubeconfig itself is served, as a file, to token holders (operators reach their cluster with it): the scan sees it there.
        var artifact = $"/api/v1/runs/{runId}/artifacts/{Uri.EscapeDataString(cellId.Replace('/', '_'))}/kubeconfig";
        var (served, _, kubeText, _) = await api.SendAsync(HttpMethod.Get, artifact, viewer);
        Assert.That(served, Is.EqualTo(HttpStatusCode.OK), $"GET {artifact}: {kubeText[..Math.Min(300, kubeText.Length)]}");
        Assert.That(clusterSecrets.Any(s => kubeText.Contains(s, StringComparison.Ordinal)), Is.True, "the scan finds a credential where one is");

        TestContext.Out.WriteLine($"canary scan: {canaries.Count} canaries, {urls.Count} answers, {files.Count} files, {lines.Count} log lines, {hits.Count} hits");
        Assert.That(hits, Is.Empty, $"{canaries.Count} canaries, {urls.Count} answers, {files.Count} files, {lines.Count} log lines");
    }

    private sealed class CapturingLogger(ConcurrentQueue<string> lines) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {formatter(state, exception)} {exception}");
        public void Dispose() { }
    }
}
