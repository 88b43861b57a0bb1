using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Results;
using TestFarm.Server.Dashboard.Logs;
using TestFarm.Server.Dashboard.Pages;
using TestFarm.Storage.Sql;

namespace TestFarm.Cli.Commands.Bench;

/// <summary>
/// <c>testfarm bench ui</c>: the dashboard's heavy paths. A generated log (default 1 GiB): open its tail and get a
/// search's first hits (target &lt; 2 s each); the fleet page over 10,000 machines and the runs list over 10,000 runs,
/// each read from a SQLite store and rendered on the server (target &lt; 300 ms each). Prints the numbers; exit 5 on a
/// missed target.
/// </summary>
public sealed class UiBenchCommand(TimeProvider time) : ICliCommand
{
    public string Path => "bench ui";

    public Command Build()
    {
        var logMb = new Option<int>("--log-mb") { DefaultValueFactory = _ => 1024, Description = "Size of the generated log in MiB." };
        var machines = new Option<int>("--machines") { DefaultValueFactory = _ => 10_000, Description = "Machines in the fleet page's store." };
        var runs = new Option<int>("--runs") { DefaultValueFactory = _ => 10_000, Description = "Runs in the runs list's store." };
        var dir = new Option<string?>("--dir") { Description = "Work folder (default a new temporary one, removed after)." };
        var command = new Command("ui", "Time the dashboard: a 1 GiB log's tail and search, the fleet page (10,000 machines) and the runs list (10,000 runs).") { logMb, machines, runs, dir };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(logMb), parse.GetValue(machines), parse.GetValue(runs), parse.GetValue(dir), ct));
        return command;
    }

    private async Task<int> RunAsync(int logMb, int machineCount, int runCount, string? dir, CancellationToken ct)
    {
        var work = dir ?? Directory.CreateTempSubdirectory("tf-bench-ui-").FullName;
        Directory.CreateDirectory(work);
        try
        {
            var ok = true;
            var inv = CultureInfo.InvariantCulture;
            var log = System.IO.Path.Combine(work, "big.log");
            var sw = Stopwatch.StartNew();
            var needles = WriteLog(log, (long)logMb << 20);
            Console.WriteLine(string.Create(inv, $"log: {new FileInfo(log).Length >> 20} MiB written in {sw.Elapsed.TotalSeconds:F1}s, {needles} lines with NEEDLE (one every 64 MiB; the file is in the page cache)"));

            sw.Restart();
            var tail = LogReader.Before(log, null, LogEndpoints.DefaultLimit);
            var tailMs = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            var older = LogReader.Before(log, tail.Start, LogEndpoints.DefaultLimit);
            var olderMs = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            var search = LogReader.Search(log, "NEEDLE", 0, 10, ct);
            var searchMs = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            var none = LogReader.Search(log, "no-such-text-anywhere", 0, 10, ct);
            var fullMs = sw.Elapsed.TotalMilliseconds;
            Console.WriteLine(string.Create(inv, $"log tail: {tailMs:F1}ms ({tail.Text.Length} chars); older page: {olderMs:F1}ms; target < 2000ms"));
            Console.WriteLine(string.Create(inv, $"log search first {search.Hits.Count} hits: {searchMs:F0}ms (scanned {search.ScannedTo >> 20} MiB); full scan, no hit: {fullMs:F0}ms ({none.ScannedTo >> 20} MiB, {(none.ScannedTo >> 20) / Math.Max(fullMs / 1000, 1e-9):F0} MiB/s); target < 2000ms"));
            ok &= tailMs < 2000 && searchMs < 2000 && search.Hits.Count == Math.Min(10, needles);

            var store = await SqlFarmStore.OpenSqliteAsync(System.IO.Path.Combine(work, "farm.db"), time, ct: ct);
            await store.RegisterAsync([.. Enumerable.Range(0, machineCount).Select(i => new MachineRegistration($"m{i:D5}", $"profile-{i % 12}", $"l2-{i % 40}"))], ct);
            var archOf = (string p) => p.EndsWith('1') ? "arm64" : "amd64";
            // Cold: every tile rendered (a fresh tile cache each time: the first view, or every machine changed).
            var cold = await TimeFleetAsync(store, () => new FleetTiles(), archOf, _ => Task.CompletedTask, ct);
            Console.WriteLine(string.Create(inv, $"fleet page, {machineCount} machines, every tile rendered: {cold}; target < 300ms"));
            // Warm: the farm's one tile cache, and 20 machines change state between two views (runs of tiles with a change are rendered again).
            var kept = new FleetTiles();
            var states = (await store.ListMachinesAsync(ct)).ToDictionary(m => m.Id, m => m.State, StringComparer.Ordinal);
            var ids = states.Keys.Order(StringComparer.Ordinal).ToList();
            var step = 0;
            var warm = await TimeFleetAsync(store, () => kept, archOf, async round =>
            {
                for (var k = 0; k < 20; k++)
                {
                    var id = ids[(round * 7919 + k * 499) % ids.Count];
                    var to = (step++ % 3) switch { 0 => MachineState.Suspect, 1 => MachineState.Cleaning, _ => MachineState.Available };
                    if (!MachineTransitions.IsAllowed(states[id], to)) continue;
                    await store.TransitionAsync(id, to, "bench", ct);
                    states[id] = to;
                }
            }, ct);
            Console.WriteLine(string.Create(inv, $"fleet page, {machineCount} machines, 20 changed between views: {warm}; target < 300ms"));
            // Unchanged: views with no write between them (the last read and every run of tiles are reused).
            var same = await TimeFleetAsync(store, () => kept, archOf, _ => Task.CompletedTask, ct);
            Console.WriteLine(string.Create(inv, $"fleet page, {machineCount} machines, none changed between views: {same}; target < 300ms"));
            ok &= cold.Max < 300 && warm.Max < 300 && same.Max < 300;

            sw.Restart();
            // The newest runs of each plan end with a cell of 50 results: the pass-rate plots under the list draw them.
            var finished = Math.Min(runCount, 5 * RunsPage.PlottedRuns + 50);
            for (var i = 0; i < runCount; i++)
            {
                var id = $"run-{i:D5}";
                var ends = i >= runCount - finished;
                await store.CreateRunAsync(id, $"plan-{i % 5}", i % 3 == 0 ? "pull-request" : "nightly", i % 3 == 0 ? $"{{\"pullRequest\":{i % 97}}}" : null, ends ? ["cell"] : [], ct: ct);
                if (ends) await FinishAsync(store, id, $"plan-{i % 5}", i, ct);
            }
            Console.WriteLine(string.Create(inv, $"runs: {runCount} created ({finished} finished with 50 results each) in {sw.Elapsed.TotalSeconds:F1}s"));
            var facets = await store.RunFacetsAsync(ct);
            async Task<int> PageAsync(RunFilter f, int offset, int page, bool more) =>
                RunsPage.Render(await store.ListRunPageAsync(f, offset, RunsPage.PageSize + 1, ct), facets.Plans, facets.Triggers, f, page, more).Value.Length
                + (await RunsPage.PlotsAsync(store, facets.Plans, f, ct)).Value.Length;
            var first = await TimeAsync(() => PageAsync(new RunFilter(), 0, 1, true));
            var last = await TimeAsync(() => PageAsync(new RunFilter(), runCount - RunsPage.PageSize, runCount / RunsPage.PageSize, false));
            var filter = new RunFilter { Plan = "plan-2", PullRequest = 42 };
            var filtered = await TimeAsync(() => PageAsync(filter, 0, 1, false));
            Console.WriteLine(string.Create(inv, $"runs list with its pass-rate plots, {runCount} runs: first page p50={first.P50:F1}ms, last page p50={last.P50:F1}ms, plan+PR filter p50={filtered.P50:F1}ms ({first.Bytes >> 10} KiB of HTML; with the facets query, {facets.Plans.Count} plans plotted); target < 300ms"));
            ok &= first.P50 < 300 && last.P50 < 300 && filtered.P50 < 300;
            return ok ? ExitCodes.Success : ExitCodes.TargetMissed;
        }
        finally
        {
            if (dir is null) Directory.Delete(work, recursive: true);
        }
    }

    private static async Task FinishAsync(SqlFarmStore store, string runId, string plan, int seed, CancellationToken ct)
    {
        await store.TakeCellAttemptAsync(runId, "cell", "bench", ct);
        var tests = Enumerable.Range(0, 50).Select(t => new TestResult
        {
            TestId = $"t{t}", Name = $"test {t}", Suite = "bench", Verdict = (t + seed) % 17 == 0 ? Verdict.Failed : (t + seed) % 23 == 0 ? Verdict.Skipped : Verdict.Passed,
        }).ToList();
        var verdict = tests.Any(t => t.Verdict == Verdict.Failed) ? Verdict.Failed : Verdict.Passed;
        await store.CompleteCellAsync(runId, new CellResult { CellId = "cell", Plan = plan, Profile = "profile-0", Arch = "amd64", Topology = "one", Verdict = verdict, Tests = tests }, ct);
        var state = verdict == Verdict.Failed ? TestFarm.Core.Runs.RunState.Failed : TestFarm.Core.Runs.RunState.Passed;
        await store.EndRunAsync(runId, state, state, "bench", ct: ct);
    }

    /// <summary>The fleet page (its queries and its render) 30 times after a warm-up, with the load average beside the numbers.</summary>
    private async Task<FleetTimes> TimeFleetAsync(SqlFarmStore store, Func<FleetTiles> tiles, Func<string, string> arch, Func<int, Task> between, CancellationToken ct)
    {
        var times = new List<double>();
        var bytes = 0;
        for (var i = -1; i < 30; i++)
        {
            await between(i + 1);
            var sw = Stopwatch.StartNew();
            var cache = tiles();
            var (machines, leases) = await cache.ReadAsync(store, time, ct);
            bytes = FleetPage.Render(machines, leases, arch, null, null, cache).Value.Length;
            if (i >= 0) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return new FleetTimes(times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.95) - 1], times[^1], bytes, LoadAverage());
    }

    private sealed record FleetTimes(double P50, double P95, double Max, int Bytes, string Load)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"p50={P50:F1}ms p95={P95:F1}ms max={Max:F1}ms ({Bytes >> 10} KiB of HTML; load average {Load})");
    }

    /// <summary>The 1-minute load average (others build on this machine too), or "n/a" where the system does not say.</summary>
    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "n/a"; }
        catch (UnauthorizedAccessException) { return "n/a"; }
    }

    private static async Task<(double P50, double Max, int Bytes)> TimeAsync(Func<Task<int>> render)
    {
        var bytes = await render(); // warm-up
        var times = new List<double>();
        for (var i = 0; i < 9; i++)
        {
            var sw = Stopwatch.StartNew();
            bytes = await render();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return (times[times.Count / 2], times[^1], bytes);
    }

    /// <summary>Writes <paramref name="bytes"/> of log lines, a NEEDLE line every 64 MiB; returns how many.</summary>
    private static int WriteLog(string path, long bytes)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        var block = new StringBuilder();
        for (var i = 0; block.Length < 1 << 20; i++)
            block.Append(CultureInfo.InvariantCulture, $"2026-12-07T14:{i % 60:D2}:{i * 7 % 60:D2}Z kubelet[{1000 + i % 500}]: pod sync ok worker-{i % 32} took {i % 997}ms\n");
        var chunk = Encoding.UTF8.GetBytes(block.ToString());
        long written = 0;
        var needles = 0;
        while (written < bytes)
        {
            file.Write(chunk);
            written += chunk.Length;
            if (written % (64L << 20) < chunk.Length)
            {
                var needle = Encoding.UTF8.GetBytes($"2026-12-07T15:00:00Z agent: NEEDLE marker {needles++} at {written}\n");
                file.Write(needle);
                written += needle.Length;
            }
        }
        return needles;
    }
}
