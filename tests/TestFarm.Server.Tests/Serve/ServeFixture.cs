using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using TestFarm.Cli.Commands.Nightly;
using TestFarm.Cli.Commands.Validate;
using TestFarm.Core.Configuration;
using TestFarm.Scenarios;
using TestFarm.Server.Auth;
using TestFarm.Server.Hosting;
using TestFarm.Server.Runs;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Testing;

namespace TestFarm.Server.Tests.Serve;

/// <summary>
/// A checkout with one profile, the quick conformance suite, a small two-machine plan and a pool; tokens of each role;
/// servers built by <see cref="FarmServer"/> on 127.0.0.1 with a free port, and the in-process lab when asked.
/// </summary>
public sealed class ServeFixture : IAsyncDisposable
{
    public const string ViewerSecret = "viewer-secret-1";
    public const string OperatorSecret = "operator-secret-1";
    public const string AdminSecret = "admin-secret-1";

    public static readonly string Plan = LabPlans.Smoke("{ kind: nightly, cron: \"0 0 3 * * ?\" }", "epyc-9354-e810");

    private readonly TempDirectory _root = new("tf-serve");
    private readonly List<WebApplication> _apps = [];
    private readonly List<FarmAppFactory> _factories = [];
    private FarmBackendHost? _lab;

    public string Root => _root.Path;
    public ConfigurationSet Config { get; }

    public static IReadOnlyList<ApiToken> Tokens { get; } =
    [
        new() { Name = "dashboard", Role = ApiRole.Viewer, Sha256 = TokenAuthenticator.Hash(ViewerSecret) },
        new() { Name = "oncall", Role = ApiRole.Operator, Sha256 = TokenAuthenticator.Hash(OperatorSecret) },
        new() { Name = "root", Role = ApiRole.Admin, Sha256 = TokenAuthenticator.Hash(AdminSecret) },
    ];

    public ServeFixture(params (string Name, string Yaml)[] extraPlans) : this([], extraPlans) { }

    /// <summary>With suites of the test's own (<c>scenarios/suites/&lt;name&gt;.yaml</c>) besides conformance-quick.</summary>
    public ServeFixture(IReadOnlyList<(string Name, string Yaml)> extraSuites, params (string Name, string Yaml)[] extraPlans)
    {
        Directory.CreateDirectory(Path.Combine(Root, "hardware-profiles"));
        Directory.CreateDirectory(Path.Combine(Root, "scenarios", "plans"));
        Directory.CreateDirectory(Path.Combine(Root, "scenarios", "suites"));
        File.Copy(Fixtures.Repo("hardware-profiles", "epyc-9354-e810.yaml"), Path.Combine(Root, "hardware-profiles", "epyc-9354-e810.yaml"));
        File.Copy(Fixtures.Repo("scenarios", "suites", "conformance-quick.yaml"), Path.Combine(Root, "scenarios", "suites", "conformance-quick.yaml"));
        File.WriteAllText(Path.Combine(Root, "scenarios", "plans", "lab-smoke.yaml"), Plan);
        foreach (var (name, yaml) in extraPlans) File.WriteAllText(Path.Combine(Root, "scenarios", "plans", $"{name}.yaml"), yaml);
        foreach (var (name, yaml) in extraSuites) File.WriteAllText(Path.Combine(Root, "scenarios", "suites", $"{name}.yaml"), yaml);
        File.WriteAllText(Path.Combine(Root, "pool.yaml"), """
            machines:
              - id: m1
                profile: epyc-9354-e810
                provisioningMac: "52:54:00:00:10:01"
                bmc: { url: "http://127.0.0.1:9/bmc/m1", credentials: { user: admin, passwordEnv: TESTFARM_LAB_BMC_PASSWORD } }
              - id: m2
                profile: epyc-9354-e810
                provisioningMac: "52:54:00:00:10:02"
                bmc: { url: "http://127.0.0.1:9/bmc/m2", credentials: { user: admin, passwordEnv: TESTFARM_LAB_BMC_PASSWORD } }
            """);
        Config = ConfigFileReader.Load(Root, null, ScenariosServiceCollectionExtensions.BuiltInValidators());
        if (!Config.IsValid) throw new InvalidOperationException(string.Join(Environment.NewLine, Config.Errors));
    }

    /// <summary>The lab with the machines the plans need plus <paramref name="spares"/>, started once per fixture.</summary>
    public async Task<IFarmBackend> LabAsync(CancellationToken ct, int spares = 1, ILoggerFactory? loggers = null)
    {
        if (_lab is not null) return _lab;
        if (!File.Exists(Fixtures.Repo(".tools", "kernel", "vmlinuz"))) Assert.Fail("no lab kernel in .tools/kernel: run scripts/install-deps.sh");
        Environment.SetEnvironmentVariable("TESTFARM_MANIFESTS", Fixtures.Shared("manifests"));
        Environment.SetEnvironmentVariable("TESTFARM_SONOBUOY_RESULTS", Fixtures.Shared("sonobuoy", "results-quick-no-failures.tar.gz"));
        try
        {
            _lab = await LabFarm.StartAsync(new LabFarmOptions { Root = Fixtures.RepositoryRoot, OutDirectory = Path.Combine(Root, "data"), SparesPerProfile = spares },
                [.. Config.Plans.Select(p => p.Value)], Config.Profiles.Select(p => p.Value).ToDictionary(p => p.Name, StringComparer.Ordinal),
                TimeProvider.System, loggers ?? LoggerFactory.Create(_ => { }), ct);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TESTFARM_MANIFESTS", null);
            Environment.SetEnvironmentVariable("TESTFARM_SONOBUOY_RESULTS", null);
        }
        return _lab;
    }

    /// <summary>
    /// The lab with <paramref name="qemuMachines"/> real QEMU machines (no spares) for <paramref name="config"/> and, over it,
    /// serve on SQLite in <paramref name="root"/>, started. The caller disposes the app, then the lab.
    /// </summary>
    public static async Task<(FarmBackendHost Lab, WebApplication App)> StartQemuLabAsync(ConfigurationSet config, string root, string instance,
        int qemuMachines, CancellationToken ct)
    {
        Environment.SetEnvironmentVariable("TESTFARM_MANIFESTS", Fixtures.Shared("manifests"));
        FarmBackendHost lab;
        try
        {
            lab = await LabFarm.StartAsync(new LabFarmOptions { Root = Fixtures.RepositoryRoot, OutDirectory = Path.Combine(root, "data"), SparesPerProfile = 0, QemuMachines = qemuMachines },
                [.. config.Plans.Select(p => p.Value)], config.Profiles.Select(p => p.Value).ToDictionary(p => p.Name, StringComparer.Ordinal),
                TimeProvider.System, LoggerFactory.Create(_ => { }), ct);
        }
        finally { Environment.SetEnvironmentVariable("TESTFARM_MANIFESTS", null); }
        WebApplication? app = null;
        try
        {
            var storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(root, "farm.db") };
            app = await FarmServer.BuildAsync(Options(config, storage, instance), lab, logging: b => b.SetMinimumLevel(LogLevel.Warning), ct: ct);
            await app.StartAsync(ct);
            return (lab, app);
        }
        catch
        {
            if (app is not null) await app.DisposeAsync();
            await lab.DisposeAsync();
            throw;
        }
    }

    public static FarmServerOptions Options(ConfigurationSet config, StorageOptions storage, string instance) => new()
    {
        Listen = new Uri("http://127.0.0.1:0"), Storage = storage, Configuration = config, Tokens = Tokens, InstanceName = instance,
        ReaperInterval = TimeSpan.FromSeconds(5), CancelPollInterval = TimeSpan.FromMilliseconds(200), HeartbeatInterval = TimeSpan.FromSeconds(5),
        LeaseTtl = TimeSpan.FromMinutes(1), ShutdownTimeout = TimeSpan.FromSeconds(50),
        Policy = FarmServerOptions.DedicatedPool, // a small lab pool: the result must not depend on the hour the tests run
        HealthChecks = null, // the health rounds' own test turns them on
    };

    /// <summary>Builds and starts a server; returns a client for it.</summary>
    public async Task<ApiClient> StartAsync(FarmServerOptions options, IFarmBackend? backend, CancellationToken ct,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var app = await FarmServer.BuildAsync(options, backend, logging: b => b.SetMinimumLevel(LogLevel.Warning), configureServices: services, ct: ct);
        _apps.Add(app);
        await app.StartAsync(ct);
        return new ApiClient(new Uri(FarmServer.BoundAddress(app)), app);
    }

    /// <summary>Builds the same server in-process (<see cref="FarmAppFactory"/>, no socket); returns a client for it.</summary>
    public async Task<ApiClient> StartInProcessAsync(FarmServerOptions options, IFarmBackend? backend, CancellationToken ct,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var factory = await FarmAppFactory.BuildAsync(options, backend, ct, services);
        _factories.Add(factory);
        var http = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        http.Timeout = TimeSpan.FromSeconds(30);
        return new ApiClient(http, factory.App);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var factory in _factories) await factory.DisposeAsync();
        foreach (var app in _apps) await app.DisposeAsync();
        if (_lab is not null) await _lab.DisposeAsync();
        _root.Dispose();
    }
}

/// <summary>Sends API requests with a token and reads JSON or problem bodies.</summary>
public sealed class ApiClient(HttpClient http, WebApplication app) : IDisposable
{
    private readonly HttpClient _http = http;

    public ApiClient(Uri baseAddress, WebApplication app) : this(new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) }, app) { }

    public WebApplication App => app;

    /// <summary>Sends <paramref name="request"/> as it is (headers and body of the caller's), to a real port or in-process alike.</summary>
    public Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request) => _http.SendAsync(request);

    public async Task<(HttpStatusCode Status, JsonNode? Body, string Text, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is string raw) request.Content = new StringContent(raw, System.Text.Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = JsonContent.Create(body);
        var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        try { json = text.Length > 0 ? JsonNode.Parse(text) : null; } catch (JsonException) { }
        return (response.StatusCode, json, text, response);
    }

    public async Task<JsonNode> GetAsync(string path, string token = ServeFixture.ViewerSecret)
    {
        var (status, body, text, _) = await SendAsync(HttpMethod.Get, path, token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), $"GET {path}: {text}");
        return body!;
    }

    /// <summary>Polls the run until it has ended or <paramref name="within"/> passed.</summary>
    public Task<JsonNode> WaitForRunEndAsync(string runId, TimeSpan within, CancellationToken ct, string token = ServeFixture.ViewerSecret) =>
        WaitUntilAsync($"/api/v1/runs/{runId}", run => Core.Runs.RunTransitions.IsEnded(Enum.Parse<Core.Runs.RunState>(run["state"]!.GetValue<string>())), within, ct, token);

    /// <summary>
    /// GETs <paramref name="path"/> every 250 ms until <paramref name="done"/> holds for the answer (returned), or
    /// fails the test when <paramref name="within"/> passed: the server works on its own clock, the test only looks.
    /// </summary>
    public async Task<JsonNode> WaitUntilAsync(string path, Func<JsonNode, bool> done, TimeSpan within, CancellationToken ct, string token = ServeFixture.ViewerSecret)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(within);
        var answer = await GetAsync(path, token);
        while (!done(answer))
        {
            try { await Task.Delay(250, limit.Token); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { Assert.Fail($"GET {path} did not reach the expected answer within {within}: {answer.ToJsonString()}"); }
            answer = await GetAsync(path, token);
        }
        return answer;
    }

    public void Dispose() => _http.Dispose();
}
