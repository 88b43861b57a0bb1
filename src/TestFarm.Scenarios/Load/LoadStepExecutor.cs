using System.Text.Json.Nodes;
using TestFarm.Core.Cluster;
using TestFarm.Core.Results;
using TestFarm.Core.Suites;
using TestFarm.Scenarios.Engine;
using TestFarm.Scenarios.Settings;

namespace TestFarm.Scenarios.Load;

/// <summary>Settings of a <c>load</c> step (Rally-like, minimal): create <c>pods</c> at <c>rate</c> per second, wait Ready, delete.</summary>
public sealed record LoadSettings(int Pods, double Rate, string Namespace, TimeSpan ReadyTimeout, TimeSpan? MaxLatency)
{
    public static LoadSettings Read(StepSettings s)
    {
        var pods = s.Int("pods", 10, 1, 10_000);
        var rate = s.Double("rate", 1, 0.001, 1000);
        var ns = s.String("namespace", "default")!;
        var ready = s.Duration("readyTimeout", TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        TimeSpan? max = s.Has("maxLatency") ? s.Duration("maxLatency", TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)) : null;
        if (max > ready) s.Error($"'maxLatency' ({StepSettings.Format(max.Value)}) exceeds 'readyTimeout' ({StepSettings.Format(ready)}): it could never be measured");
        if (pods / rate > TimeSpan.FromHours(6).TotalSeconds) s.Error($"{pods} pods at {rate}/s would take over 6 hours");
        return new LoadSettings(pods, rate, ns, ready, max);
    }
}

/// <summary><c>load</c> step: one result per step with create→Ready and delete latencies (p50/p95/max).</summary>
public sealed class LoadStepExecutor : IStepExecutor
{
    public string Kind => StepKinds.Load;

    public async Task<IReadOnlyList<TestResult>> ExecuteAsync(SuiteStep step, StepRun run, CancellationToken cancellationToken)
    {
        var start = run.Time.GetUtcNow();
        var s = new StepSettings(step);
        var settings = LoadSettings.Read(s);
        var id = $"load:{step.Name}";
        if (s.Errors.Count > 0) return [run.Result(id, step.Name, Verdict.InfraError, start, $"{step.Source}: {string.Join("; ", s.Errors)}")];
        var cluster = run.Cell.Cluster;
        var spacing = TimeSpan.FromSeconds(1 / settings.Rate);
        var created = new List<(string Name, DateTimeOffset At)>();
        for (var i = 0; i < settings.Pods; i++)
        {
            var name = $"testfarm-load-{run.Cell.RandomSeed}-{i}";
            await cluster.ApplyAsync(Pod(name, settings.Namespace), cancellationToken).ConfigureAwait(false);
            created.Add((name, run.Time.GetUtcNow()));
            if (i < settings.Pods - 1) await Task.Delay(spacing, run.Time, cancellationToken).ConfigureAwait(false);
        }
        var latencies = new List<TimeSpan>();
        var pending = created.ToList();
        var deadline = run.Time.GetUtcNow() + settings.ReadyTimeout;
        while (pending.Count > 0)
        {
            foreach (var p in pending.ToList())
            {
                var pod = await cluster.GetAsync(new ResourceRef(ResourceKind.Pod, p.Name, settings.Namespace), cancellationToken).ConfigureAwait(false);
                if (!pod.PodReady()) continue;
                latencies.Add(run.Time.GetUtcNow() - p.At);
                pending.Remove(p);
            }
            if (pending.Count == 0 || run.Time.GetUtcNow() >= deadline) break;
            await Task.Delay(TimeSpan.FromMilliseconds(250), run.Time, cancellationToken).ConfigureAwait(false);
        }
        var deletes = new List<TimeSpan>();
        foreach (var p in created)
        {
            var t = run.Time.GetTimestamp();
            await cluster.DeleteAsync(new ResourceRef(ResourceKind.Pod, p.Name, settings.Namespace), cancellationToken).ConfigureAwait(false);
            deletes.Add(run.Time.GetElapsedTime(t));
        }
        var summary = $"{settings.Pods} pods at {settings.Rate}/s: Ready {Stats(latencies)}; delete {Stats(deletes)}";
        var failed = pending.Count > 0 ? $"{pending.Count} pods not Ready within {StepSettings.Format(settings.ReadyTimeout)}; {summary}"
            : settings.MaxLatency is { } max && latencies.Max() > max ? $"max latency above {StepSettings.Format(max)}; {summary}" : null;
        return [run.Result(id, step.Name, failed is null ? Verdict.Passed : Verdict.Failed, start, failed ?? summary, ["load"])];
    }

    private static JsonObject Pod(string name, string ns) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "testfarm-load" } },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "registry.k8s.io/pause:3.10" }) },
    };

    public static string Stats(List<TimeSpan> values)
    {
        if (values.Count == 0) return "none";
        var sorted = values.Order().ToList();
        TimeSpan At(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        return $"p50 {StepSettings.Format(At(0.5))} p95 {StepSettings.Format(At(0.95))} max {StepSettings.Format(sorted[^1])}";
    }
}
