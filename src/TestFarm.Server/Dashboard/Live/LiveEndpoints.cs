using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using TestFarm.Server.Api;
using TestFarm.Server.Runs;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Dashboard.Live;

/// <summary>A cell as the live stream tells it: its verdict (null while it runs) and its phases so far.</summary>
internal sealed record CellUpdate(string Cell, string? Verdict, IReadOnlyList<PhaseView> Phases);

/// <summary>The run's state as the live stream tells it.</summary>
internal sealed record RunUpdate(string Run, string State, DateTimeOffset? Finished);

/// <summary>
/// <c>/live/runs/{id}</c>: server-sent events (<c>text/event-stream</c>) for a run's and its cells' pages. The server reads
/// the run (from the store, so any instance answers) when this instance's store commits a write (<see cref="StoreChanges"/>:
/// a phase event, a cell's result, the run's end), at least <see cref="MinGap"/> apart so a burst of writes costs one read,
/// and every <see cref="Fallback"/> without one (writes by other instances on a shared database); it sends <c>cell</c> when
/// a cell's phases or verdict changed and <c>run</c> when the run's state did; <c>end</c> once the run has ended, then closes.
/// </summary>
internal static class LiveEndpoints
{
    public static readonly TimeSpan MinGap = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan Fallback = TimeSpan.FromMilliseconds(1500);
    /// <summary>A stream lasts at most this long; the page's EventSource reconnects.</summary>
    public static readonly TimeSpan MaxStream = TimeSpan.FromMinutes(30);

    public static async Task<IResult> RunAsync(string id, HttpContext http, RunViews views, SqlFarmStore store, TimeProvider time, CancellationToken ct)
    {
        id = Links.Segment(http, 2, 1);
        if (await views.GetAsync(id, ct) is null) return Problems.NotFound(http, $"no run '{Problems.Echo(id)}'");
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.ServerSentEvents(StreamAsync(id, views, store.Changes, time, ct));
    }

    /// <summary>Until <paramref name="changed"/> completes or <see cref="Fallback"/> passes, and at least <see cref="MinGap"/>.</summary>
    internal static async Task WaitAsync(Task changed, TimeProvider time, CancellationToken ct)
    {
        await Task.Delay(MinGap, time, ct);
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var fallback = Task.Delay(Fallback, time, wake.Token);
        await Task.WhenAny(changed, fallback);
        await wake.CancelAsync();
        ct.ThrowIfCancellationRequested();
    }

    private static async IAsyncEnumerable<SseItem<object>> StreamAsync(string id, RunViews views, StoreChanges changes, TimeProvider time, [EnumeratorCancellation] CancellationToken ct)
    {
        var sent = new Dictionary<string, string>(StringComparer.Ordinal);
        var started = time.GetUtcNow();
        while (!ct.IsCancellationRequested && time.GetUtcNow() - started < MaxStream)
        {
            var changed = changes.Next; // taken before the read: a write during it still wakes the next wait
            var run = await views.GetAsync(id, ct);
            if (run is null) yield break;
            foreach (var c in run.Cells)
            {
                var update = new CellUpdate(c.CellId, c.Verdict, c.Phases);
                var key = $"{c.Verdict}|{string.Join(";", c.Phases.Select(p => $"{p.Phase}:{p.State}:{p.DurationSeconds}"))}";
                if (sent.TryGetValue("cell:" + c.CellId, out var old) && old == key) continue;
                sent["cell:" + c.CellId] = key;
                yield return new SseItem<object>(update, "cell");
            }
            if (!sent.TryGetValue("run", out var state) || state != run.State)
            {
                sent["run"] = run.State;
                yield return new SseItem<object>(new RunUpdate(run.Id, run.State, run.Finished), "run");
            }
            if (Core.Runs.RunTransitions.IsEnded(Enum.Parse<Core.Runs.RunState>(run.State)))
            {
                yield return new SseItem<object>(new RunUpdate(run.Id, run.State, run.Finished), "end");
                yield break;
            }
            try { await WaitAsync(changed, time, ct); }
            catch (OperationCanceledException) { yield break; }
        }
    }
}
