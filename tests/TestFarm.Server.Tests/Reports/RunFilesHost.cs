using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using TestFarm.Core.Results;
using TestFarm.Reporting;
using TestFarm.Server.Hosting;
using TestFarm.Server.Tests.Serve;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Testing.GitHub;

namespace TestFarm.Server.Tests.Reports;

/// <summary>
/// A served farm (API only, SQLite) whose data folder holds one ended run: recorded in the store, its reports rendered by
/// <see cref="RunReports.RenderAll"/> into <see cref="RunFolders"/>, and artifacts in its cells' folders — a 200 kB console
/// log, a nested YAML dump, a binary, a link to the run's own report (inside) and a link to a secret next to the run
/// folder (outside). The secret also sits beside the data folder's runs.
/// </summary>
public sealed class RunFilesHost : IAsyncDisposable
{
    public const string RunId = "pr-smoke-20260301-020000-a1b2c3";
    public const string Secret = "TOP-SECRET-do-not-serve-7f3a";

    private readonly ServeFixture _fixture;

    private RunFilesHost(ServeFixture fixture, ApiClient api, RunFolders folders, RunResult run)
    {
        _fixture = fixture;
        Api = api;
        Folders = folders;
        Run = run;
    }

    public ApiClient Api { get; }
    public RunFolders Folders { get; }
    public RunResult Run { get; }
    public Uri Address => new(FarmServer.BoundAddress(Api.App));
    public string PassedCell => Run.Cells[0].CellId;
    public string PassedCellFolder => RunReports.SafeName(PassedCell);
    public string ConsoleLog => Path.Combine(Folders.Cell(RunId, PassedCell), "console.log");

    public static async Task<RunFilesHost> StartAsync(CancellationToken ct, bool writeFiles = true)
    {
        var fixture = new ServeFixture();
        var folders = new RunFolders(Path.Combine(fixture.Root, "data"));
        var storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(fixture.Root, "farm.db") };
        var options = ServeFixture.Options(fixture.Config, storage, "serve-r") with { Pool = fixture.Config.Pool!.Value, DataDirectory = folders.DataDirectory };
        var api = await fixture.StartAsync(options, null, ct);
        var run = SampleRuns.Mixed(RunId);
        await RecordAsync(api.App.Services.GetRequiredService<SqlFarmStore>(), run, ct);
        if (writeFiles) Write(folders, run);
        return new RunFilesHost(fixture, api, folders, run);
    }

    /// <summary>The run as the engine leaves it in the store: started, each cell recorded, finished.</summary>
    private static async Task RecordAsync(SqlFarmStore store, RunResult run, CancellationToken ct)
    {
        await store.StartRunAsync(run.RunId, run.Plan, run.Trigger, ct);
        foreach (var cell in run.Cells) await store.RecordCellAsync(run.RunId, cell, ct);
        var verdict = TestFarm.Core.Runs.RunTransitions.Verdict(run.Cells.Select(c => c.Verdict));
        await store.EndRunAsync(run.RunId, verdict, verdict, "recorded by the test", ct: ct);
    }

    private static void Write(RunFolders folders, RunResult run)
    {
        RunReports.RenderAll(run, folders.Run(run.RunId));
        var cell = folders.Cell(run.RunId, run.Cells[0].CellId);
        Directory.CreateDirectory(Path.Combine(cell, "kubectl", "dump"));
        File.WriteAllText(Path.Combine(cell, "console.log"), string.Concat(Enumerable.Range(0, 4000).Select(i => $"[{i,6}] boot line {i} of the console\n")));
        File.WriteAllText(Path.Combine(cell, "kubectl", "dump", "nodes.yaml"), "apiVersion: v1\nkind: List\nitems: []\n");
        File.WriteAllBytes(Path.Combine(cell, "disk.img"), [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))]);
        File.CreateSymbolicLink(Path.Combine(cell, "report-link.html"), Path.Combine("..", "..", "report.html"));
        File.WriteAllText(Path.Combine(folders.Runs, "secret.txt"), Secret);
        File.WriteAllText(Path.Combine(folders.DataDirectory, "secret.txt"), Secret);
        File.CreateSymbolicLink(Path.Combine(cell, "escape.txt"), Path.Combine("..", "..", "..", "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(cell, "escape-dir"), folders.DataDirectory);
        var other = folders.Cell(run.RunId, run.Cells[1].CellId);
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "sonobuoy.log"), "sonobuoy run --wait\n");
    }

    /// <summary>
    /// GET (or another method) of <paramref name="target"/> exactly as written: no dot-segment removal or unescaping by the
    /// client, so the server sees the path a hostile client would send.
    /// </summary>
    public async Task<HttpResponseMessage> SendRawAsync(string target, string? token = ServeFixture.ViewerSecret, HttpMethod? method = null,
        Action<HttpRequestHeaders>? headers = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var uri = new Uri(Address.GetLeftPart(UriPartial.Authority) + target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, uri);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        headers?.Invoke(request.Headers);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        return response;
    }

    public static async Task<(HttpStatusCode Status, byte[] Body, HttpResponseMessage Response)> ReadAsync(Task<HttpResponseMessage> sending)
    {
        var response = await sending;
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response);
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await _fixture.DisposeAsync();
    }
}
