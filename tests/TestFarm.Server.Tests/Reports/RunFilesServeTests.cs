using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using TestFarm.Server.Tests.Serve;

namespace TestFarm.Server.Tests.Reports;

/// <summary>
/// A run's reports and artifacts served by a real Kestrel on loopback: listed by the run view, fetched by the listed URLs
/// with their types, lengths, ranges and validators; bad ids and paths refused without reading outside the run's folder.
/// </summary>
[CancelAfter(60_000), FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class RunFilesServeTests
{
    private const string Run = $"/api/v1/runs/{RunFilesHost.RunId}";

    [Test]
    public async Task The_run_view_lists_each_report_and_cell_file_and_every_listed_URL_serves_that_file(CancellationToken ct)
    {
        await using var host = await RunFilesHost.StartAsync(ct);
        var view = await host.Api.GetAsync(Run);
        Assert.That(view["state"]!.GetValue<string>(), Is.EqualTo("InfraError"), "the run view's own fields stay: the run ended with its cells' verdict");
        Assert.That(view["cells"]!.AsArray(), Has.Count.EqualTo(3));
        var reports = view["reports"]!;
        var root = host.Folders.Run(RunFilesHost.RunId);

        var expected = new Dictionary<string, (string Url, string File, string Type)>
        {
            ["html"] = ($"{Run}/reports/report.html", "report.html", "text/html; charset=utf-8"),
            ["markdown"] = ($"{Run}/reports/report.md", "report.md", "text/markdown; charset=utf-8"),
            ["junit"] = ($"{Run}/reports/junit.xml", "junit.xml", "application/xml; charset=utf-8"),
            ["runJson"] = ($"{Run}/reports/run.json", "run.json", "application/json; charset=utf-8"),
        };
        foreach (var (field, (url, file, type)) in expected)
        {
            Assert.That(reports[field]!.GetValue<string>(), Is.EqualTo(url), field);
            await AssertServesAsync(host, url, Path.Combine(root, file), type);
        }
        var junitCells = reports["junitCells"]!.AsArray();
        Assert.That(junitCells.Select(c => c!["name"]!.GetValue<string>()), Is.EquivalentTo(host.Run.Cells.Select(c => c.CellId)), "named by cell id");
        foreach (var cell in junitCells)
        {
            var url = cell!["url"]!.GetValue<string>();
            await AssertServesAsync(host, url, Path.Combine(root, "junit", Uri.UnescapeDataString(url[(url.LastIndexOf('/') + 1)..])), "application/xml; charset=utf-8");
        }
        Assert.That(reports["allure"]!.GetValue<string>(), Is.EqualTo($"{Run}/reports/allure-results.zip"));

        var cells = reports["cells"]!.AsArray();
        Assert.That(cells.Select(c => c!["cell"]!.GetValue<string>()), Is.EquivalentTo(host.Run.Cells.Take(2).Select(c => c.CellId)));
        var passed = cells.Single(c => c!["cell"]!.GetValue<string>() == host.PassedCell)!;
        var artifacts = passed["artifacts"]!.AsArray();
        Assert.That(artifacts.Select(a => a!["path"]!.GetValue<string>()),
            Is.EqualTo(new[] { "console.log", "disk.img", "kubectl/dump/nodes.yaml", "report-link.html" }), "the links leading out are not listed");
        Assert.That(passed["truncated"]!.GetValue<bool>(), Is.False);
        var types = new Dictionary<string, string>
        {
            ["console.log"] = "text/plain; charset=utf-8", ["disk.img"] = "application/octet-stream",
            ["kubectl/dump/nodes.yaml"] = "application/yaml; charset=utf-8", ["report-link.html"] = "text/html; charset=utf-8",
        };
        foreach (var artifact in artifacts)
        {
            var path = artifact!["path"]!.GetValue<string>();
            var file = new FileInfo(Path.Combine(host.Folders.Cell(RunFilesHost.RunId, host.PassedCell), path));
            var real = file.LinkTarget is null ? file : (FileInfo)file.ResolveLinkTarget(true)!;
            Assert.That(artifact["size"]!.GetValue<long>(), Is.EqualTo(real.Length), path);
            Assert.That(artifact["contentType"]!.GetValue<string>(), Is.EqualTo(types[path]), path);
            Assert.That(artifact["url"]!.GetValue<string>(), Is.EqualTo($"{Run}/artifacts/{host.PassedCellFolder}/{path}"));
            var response = await AssertServesAsync(host, artifact["url"]!.GetValue<string>(), real.FullName, types[path]);
            Assert.That(response.Headers.GetValues("Content-Security-Policy").Single(), Is.EqualTo("sandbox"), "cell files never run in the farm's origin");
        }
    }

    [Test]
    public async Task JUnit_testcases_equal_the_API_test_count_and_the_Allure_results_in_the_archive(CancellationToken ct)
    {
        await using var host = await RunFilesHost.StartAsync(ct);
        var view = await host.Api.GetAsync(Run);
        var apiTests = view["cells"]!.AsArray().Sum(c => c!["tests"]!.AsObject().Sum(v => v.Value!.GetValue<int>()));
        Assert.That(apiTests, Is.EqualTo(host.Run.Cells.Sum(c => c.Tests.Count)));

        var (status, junit, _) = await RunFilesHost.ReadAsync(host.SendRawAsync(view["reports"]!["junit"]!.GetValue<string>()));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        var testcases = XDocument.Load(new MemoryStream(junit)).Descendants("testcase").Count();

        var (zipStatus, zip, response) = await RunFilesHost.ReadAsync(host.SendRawAsync(view["reports"]!["allure"]!.GetValue<string>()));
        Assert.That(zipStatus, Is.EqualTo(HttpStatusCode.OK), Encoding.UTF8.GetString(zip));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/zip"));
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        var results = archive.Entries.Count(e => e.FullName.EndsWith("-result.json", StringComparison.Ordinal));
        var folder = Path.Combine(host.Folders.Run(RunFilesHost.RunId), "allure-results");
        Assert.That(archive.Entries.Select(e => e.FullName), Is.EquivalentTo(Directory.GetFiles(folder).Select(Path.GetFileName)), "every file of allure-results/");
        foreach (var entry in archive.Entries)
        {
            using var reader = new StreamReader(entry.Open());
            Assert.That(await reader.ReadToEndAsync(ct), Is.EqualTo(await File.ReadAllTextAsync(Path.Combine(folder, entry.FullName), ct)), entry.FullName);
        }
        // JUnit also reports each failed setup phase of a cell as a testcase of its own (the infra-error cell's deploy here).
        var failedPhases = view["cells"]!.AsArray().Sum(c => c!["phases"]!.AsArray().Count(p => p!["state"]!.GetValue<string>() == "Failed"));
        Assert.That(failedPhases, Is.EqualTo(1));
        Assert.That((testcases - failedPhases, results), Is.EqualTo((apiTests, apiTests)));
        Assert.That(view["reports"]!["allureResults"]!.GetValue<int>(), Is.EqualTo(apiTests));

        var etag = response.Headers.ETag!;
        using var again = await host.SendRawAsync($"{Run}/reports/allure-results.zip", headers: h => h.IfNoneMatch.Add(etag));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotModified), "an unchanged folder is not sent again");
    }

    [Test]
    public async Task Ranges_validators_and_HEAD_are_answered_from_the_file(CancellationToken ct)
    {
        await using var host = await RunFilesHost.StartAsync(ct);
        var url = $"{Run}/artifacts/{host.PassedCellFolder}/console.log";
        var bytes = await File.ReadAllBytesAsync(host.ConsoleLog, ct);

        var (status, body, response) = await RunFilesHost.ReadAsync(host.SendRawAsync(url, headers: h => h.Range = new RangeHeaderValue(1000, 1099)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(body, Is.EqualTo(bytes[1000..1100]));
        Assert.That(response.Content.Headers.ContentRange!.ToString(), Is.EqualTo($"bytes 1000-1099/{bytes.Length}"));
        Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(100));

        (status, body, _) = await RunFilesHost.ReadAsync(host.SendRawAsync(url, headers: h => h.Range = new RangeHeaderValue(null, 50)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(body, Is.EqualTo(bytes[^50..]), "the last 50 bytes");

        (status, _, response) = await RunFilesHost.ReadAsync(host.SendRawAsync(url, headers: h => h.Range = new RangeHeaderValue(bytes.Length + 10, null)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.RequestedRangeNotSatisfiable));
        Assert.That(response.Content.Headers.ContentRange!.ToString(), Is.EqualTo($"bytes */{bytes.Length}"));

        (status, body, response) = await RunFilesHost.ReadAsync(host.SendRawAsync(url));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.AcceptRanges.Single(), Is.EqualTo("bytes"));
        var etag = response.Headers.ETag!;
        var modified = response.Content.Headers.LastModified!.Value;
        Assert.That(modified, Is.EqualTo(new DateTimeOffset(File.GetLastWriteTimeUtc(host.ConsoleLog), TimeSpan.Zero)).Within(TimeSpan.FromSeconds(1)));
        using (var cached = await host.SendRawAsync(url, headers: h => h.IfNoneMatch.Add(etag)))
            Assert.That(cached.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        using (var since = await host.SendRawAsync(url, headers: h => h.IfModifiedSince = modified))
            Assert.That(since.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        (status, body, _) = await RunFilesHost.ReadAsync(host.SendRawAsync(url, headers: h =>
        {
            h.Range = new RangeHeaderValue(0, 9);
            h.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"stale\""));
        }));
        Assert.That((status, body.Length), Is.EqualTo((HttpStatusCode.OK, bytes.Length)), "a stale If-Range gets the whole file");

        await File.AppendAllTextAsync(host.ConsoleLog, "one more line\n", ct);
        File.SetLastWriteTimeUtc(host.ConsoleLog, File.GetLastWriteTimeUtc(host.ConsoleLog).AddSeconds(5));
        using (var changed = await host.SendRawAsync(url, headers: h => h.IfNoneMatch.Add(etag)))
            Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a changed file has a new ETag");

        (status, body, response) = await RunFilesHost.ReadAsync(host.SendRawAsync(url, method: HttpMethod.Head));
        Assert.That((status, body.Length), Is.EqualTo((HttpStatusCode.OK, 0)));
        Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(new FileInfo(host.ConsoleLog).Length));
    }

    [Test]
    public async Task Every_traversal_attempt_is_400_naming_the_field_and_nothing_outside_the_run_is_served(CancellationToken ct)
    {
        await using var host = await RunFilesHost.StartAsync(ct);
        var cell = host.PassedCellFolder;
        var attempts = new (string Target, string Field)[]
        {
            ($"{Run}/artifacts/../../secret.txt", "path"),
            ($"{Run}/artifacts/{cell}/../../../secret.txt", "path"),
            ($"{Run}/artifacts/{cell}/%2e%2e/%2E%2E/%2e%2e/secret.txt", "path"),
            ($"{Run}/artifacts/..%2F..%2Fsecret.txt", "path"),
            ($"{Run}/artifacts/{cell}%2F..%2F..%2F..%2Fsecret.txt", "path"),
            ($"{Run}/artifacts/{cell}%5C..%5C..%5C..%5Csecret.txt", "path"),
            ($"{Run}/artifacts/{cell}\\..\\..\\..\\secret.txt", "path"),
            ($"{Run}/artifacts/{cell}/console.log%00.txt", "path"),
            ($"{Run}/artifacts//etc/passwd", "path"),
            ($"{Run}/artifacts/%2Fetc%2Fpasswd", "path"),
            ($"{Run}/artifacts/{cell}/escape.txt", "path"),
            ($"{Run}/artifacts/{cell}/escape-dir/secret.txt", "path"),
            ($"{Run}/reports/../../secret.txt", "name"),
            ($"{Run}/reports/..%2F..%2Fsecret.txt", "name"),
            ($"{Run}/reports/junit/..%2F..%2F..%2Fsecret.txt", "name"),
            ("/api/v1/runs/..%2Fsecret.txt/reports/report.html", "id"),
            ("/api/v1/runs/%2E%2E/reports/report.html", "id"),
            ("/api/v1/runs/../runs/secret.txt/reports/report.html", "id"),
            ("/api/v1/runs/%00/reports/report.html", "id"),
            ($"{Run}/artifacts/{cell}/" + string.Concat(Enumerable.Repeat("deep/", 400)) + "../secret.txt", "path"),
        };
        foreach (var (target, field) in attempts)
        {
            var (status, body, response) = await RunFilesHost.ReadAsync(host.SendRawAsync(target));
            var text = Encoding.UTF8.GetString(body);
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), $"{target}: {text}");
            Assert.That(text, Does.Not.Contain(RunFilesHost.Secret), target);
            if (target.Contains("%00", StringComparison.Ordinal))
            {
                // Kestrel itself refuses a request line whose path decodes to a NUL: a bare 400 before any farm code runs (no
                // middleware sees it, so it cannot be problem+json). The answer is bounded and says nothing: no body, no header
                // beyond the connection's own.
                Assert.That(text, Is.Empty, target);
                Assert.That(response.Headers.Select(h => h.Key).Concat(response.Content.Headers.Select(h => h.Key)),
                    Is.SubsetOf(new[] { "Date", "Server", "Connection", "Content-Length" }), target);
                continue;
            }
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), target);
            var problem = JsonNode.Parse(text)!;
            Assert.That(problem["field"]!.GetValue<string>(), Is.EqualTo(field), $"{target}: {text}");
            Assert.That(problem["detail"]!.GetValue<string>(), Has.Length.LessThan(400), "the path is echoed bounded");
            Assert.That(problem["instance"]!.GetValue<string>(), Has.Length.LessThan(260));
        }
        using var listing = await host.SendRawAsync(Run);
        Assert.That(await listing.Content.ReadAsStringAsync(ct), Does.Not.Contain("escape"), "links leading out are not listed");
    }

    [Test]
    public async Task An_unknown_run_report_or_artifact_is_404_naming_it(CancellationToken ct)
    {
        await using var host = await RunFilesHost.StartAsync(ct);
        foreach (var (target, named) in new[]
        {
            ("/api/v1/runs/no-such-run", "no run 'no-such-run'"),
            ("/api/v1/runs/no-such-run/reports/report.html", "no run 'no-such-run'"),
            ("/api/v1/runs/no-such-run/reports/allure-results.zip", "no run 'no-such-run'"),
            ("/api/v1/runs/no-such-run/artifacts/x/console.log", "no run 'no-such-run'"),
            ($"{Run}/reports/summary.pdf", "no report 'summary.pdf'"),
            ($"{Run}/reports/junit/no-such-cell.xml", "has no report 'junit/no-such-cell.xml'"),
            ($"{Run}/artifacts/{host.PassedCellFolder}/missing.log", $"has no artifact '{host.PassedCellFolder}/missing.log'"),
            ($"{Run}/artifacts/{host.PassedCellFolder}/kubectl", "is a folder"),
            ("/api/v1/runs/" + new string('r', 190) + "/reports/report.html", "no run 'rrrr"),
        })
        {
            var (status, body, response) = await RunFilesHost.ReadAsync(host.SendRawAsync(target));
            var text = Encoding.UTF8.GetString(body);
            Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), $"{target}: {text}");
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), target);
            Assert.That(JsonNode.Parse(text)!["detail"]!.GetValue<string>(), Does.Contain(named), target);
        }

        // A run the store knows whose files are not written yet.
        await using var bare = await RunFilesHost.StartAsync(ct, writeFiles: false);
        var view = await bare.Api.GetAsync(Run);
        Assert.That(view["reports"]!["html"], Is.Null);
        Assert.That(view["reports"]!["cells"]!.AsArray(), Is.Empty);
        var (_, pending, _, _) = await bare.Api.SendAsync(HttpMethod.Get, $"{Run}/reports/report.html", ServeFixture.ViewerSecret);
        Assert.That(pending!["detail"]!.GetValue<string>(), Does.Contain($"run '{RunFilesHost.RunId}' has no files yet"));
    }

    [Test]
    public async Task Files_need_a_viewer_token_and_the_OpenAPI_document_lists_their_endpoints(CancellationToken ct)
    {
        await using var host = await RunFilesHost.StartAsync(ct);
        foreach (var target in new[] { $"{Run}/reports/report.html", $"{Run}/reports/allure-results.zip", $"{Run}/artifacts/{host.PassedCellFolder}/console.log" })
        {
            var (status, body, _) = await RunFilesHost.ReadAsync(host.SendRawAsync(target, token: null));
            Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized), target);
            Assert.That(Encoding.UTF8.GetString(body), Does.Not.Contain("boot line"));
            (status, _, _) = await RunFilesHost.ReadAsync(host.SendRawAsync(target, token: "not-a-token"));
            Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized), target);
        }
        var (_, doc, docText, _) = await host.Api.SendAsync(HttpMethod.Get, "/openapi/v1.json", null);
        var paths = doc!["paths"]!.AsObject();
        Assert.That(paths.Select(p => p.Key), Is.SupersetOf(new[]
        {
            "/api/v1/runs/{id}/reports/allure-results.zip", "/api/v1/runs/{id}/reports/{name}", "/api/v1/runs/{id}/artifacts/{path}",
        }), docText);
        Assert.That(paths["/api/v1/runs/{id}/reports/{name}"]!["get"]!["operationId"]!.GetValue<string>(), Is.EqualTo("GetRunReport"));
        Assert.That(paths["/api/v1/runs/{id}/artifacts/{path}"]!["get"]!["operationId"]!.GetValue<string>(), Is.EqualTo("GetRunArtifact"));
        Assert.That(paths["/api/v1/runs/{id}/reports/allure-results.zip"]!["get"]!["operationId"]!.GetValue<string>(), Is.EqualTo("GetRunAllureResults"));
    }

    [Test]
    public async Task A_large_artifact_and_the_Allure_archive_are_streamed_not_held_in_memory(CancellationToken ct)
    {
        await using var host = await RunFilesHost.StartAsync(ct);
        const long size = 64L * 1024 * 1024;
        var big = Path.Combine(host.Folders.Cell(RunFilesHost.RunId, host.PassedCell), "disk-full.img");
        using (var file = File.Create(big)) file.SetLength(size);
        File.Copy(big, Path.Combine(host.Folders.Run(RunFilesHost.RunId), "allure-results", "big-attachment.img"));

        foreach (var (url, expected) in new[]
        {
            ($"{Run}/artifacts/{host.PassedCellFolder}/disk-full.img", size),
            ($"{Run}/reports/allure-results.zip", -1L),
        })
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            using var http = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(50) };
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServeFixture.ViewerSecret);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
            var counted = new CountingStream();
            await (await response.Content.ReadAsStreamAsync(ct)).CopyToAsync(counted, ct);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            if (expected > 0) Assert.That(counted.Count, Is.EqualTo(expected), url);
            else Assert.That(counted.Count, Is.GreaterThan(0), url);
            // Client and server share this process: both together allocate a small fraction of the 64 MB sent.
            Assert.That(allocated, Is.LessThan(8L * 1024 * 1024), $"{url}: {allocated:N0} bytes allocated to send {counted.Count:N0}");
            TestContext.Out.WriteLine($"{url}: {counted.Count:N0} bytes sent, {allocated:N0} bytes allocated in the process");
        }
    }

    private sealed class CountingStream : Stream
    {
        public long Count { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Count;
        public override long Position { get => Count; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Count += count;
        public override void Write(ReadOnlySpan<byte> buffer) => Count += buffer.Length;
    }

    private static async Task<HttpResponseMessage> AssertServesAsync(RunFilesHost host, string url, string file, string contentType)
    {
        var (status, body, response) = await RunFilesHost.ReadAsync(host.SendRawAsync(url));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), $"{url}: {Encoding.UTF8.GetString(body)}");
        Assert.That(response.Content.Headers.ContentType!.ToString(), Is.EqualTo(contentType), url);
        Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(new FileInfo(file).Length), url);
        Assert.That(body, Is.EqualTo(await File.ReadAllBytesAsync(file)), url);
        Assert.That(response.Headers.ETag, Is.Not.Null, url);
        Assert.That(response.Content.Headers.LastModified, Is.Not.Null, url);
        Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"), url);
        return response;
    }
}
