using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Leases;
using TestFarm.Core.Machines;
using TestFarm.Core.Plans;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Server.Hosting;
using TestFarm.Server.Metrics;
using TestFarm.Storage.Sql;

namespace TestFarm.Server.Runs;

/// <summary>
/// Triggers plans and runs them on this instance: the run is recorded first, then its cells go through the
/// pipeline (store-backed gang reservations held by this instance), then each cell's result and the run's end
/// are written, each in its own transaction. Cancel requests written by any instance are picked up while the
/// run goes; on a graceful stop no new run is accepted and those in flight finish (their leases keep beating).
/// </summary>
public sealed class RunLauncher(
    FarmServerOptions options, IFarmBackend? backend, SqlFarmStore store, StoreCellReservations? reservations,
    FarmMetrics metrics, TimeProvider time, ILoggerFactory loggers, IEnumerable<IRunObserver>? observers = null)
{
    private readonly IReadOnlyList<IRunObserver> _observers = [.. observers ?? []];
    private readonly ConcurrentDictionary<string, Task> _inFlight = new(StringComparer.Ordinal);
    private readonly ILogger _log = loggers.CreateLogger<RunLauncher>();
    private volatile bool _accepting = true;

    public int InFlight => _inFlight.Count;

    public async Task<TriggerOutcome> TriggerAsync(string? planName, string trigger, CancellationToken ct, RunOrigin? origin = null)
    {
        origin ??= new RunOrigin();
        if (!_accepting)
            return TriggerOutcome.Refused(StatusCodes.Status503ServiceUnavailable, "Shutting down", $"instance {options.InstanceName} is stopping and takes no new run; trigger on another instance");
        if (backend is null || reservations is null)
            return TriggerOutcome.Refused(StatusCodes.Status503ServiceUnavailable, "No farm backend", $"instance {options.InstanceName} serves the API only and cannot run plans; start it with --boot-listen and --image (the pool's machines) or --lab");
        if (string.IsNullOrWhiteSpace(planName))
            return TriggerOutcome.Refused(StatusCodes.Status400BadRequest, "Missing field", "plan: give the name of a plan, e.g. {\"plan\": \"nightly\"}", "plan");
        var config = options.Configuration;
        var plan = config.Plan(planName);
        if (plan is null)
            return TriggerOutcome.Refused(StatusCodes.Status422UnprocessableEntity, "Unknown plan",
                $"plan: no plan '{planName}'; known: {string.Join(", ", config.Plans.Select(p => p.Value.Name).Order(StringComparer.Ordinal))}", "plan");
        var missing = plan.Suites.Where(s => config.Suite(s) is null).ToList();
        if (missing.Count > 0)
            return TriggerOutcome.Refused(StatusCodes.Status422UnprocessableEntity, "Plan cannot run", $"plan {plan.Name}: no suite {string.Join(", ", missing.Select(m => $"'{m}'"))}", "plan");
        var cells = MatrixExpander.Expand(plan, backend.Profiles.Values);
        if (cells.Count == 0)
            return TriggerOutcome.Refused(StatusCodes.Status422UnprocessableEntity, "Plan cannot run",
                $"plan {plan.Name} expands to no cell on this pool's profiles ({string.Join(", ", backend.Profiles.Keys.Order(StringComparer.Ordinal))})", "plan");

        if (origin.CellIds is { } only)
        {
            var unknown = only.Where(id => cells.All(c => c.Id != id)).ToList();
            if (unknown.Count > 0)
                return TriggerOutcome.Refused(StatusCodes.Status422UnprocessableEntity, "Unknown cells", $"cells: plan {plan.Name} has no cell {string.Join(", ", unknown)}", "cells");
            cells = [.. cells.Where(c => only.Contains(c.Id))];
        }
        trigger = origin.Label(trigger);
        var runId = $"{plan.Name}-{time.GetUtcNow():yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";
        await store.StartRunAsync(runId, plan.Name, trigger, ct);
        await store.BeatRunAsync(runId, options.InstanceName, ct);
        var requests = cells.Select(cell => new CellRequest
        {
            Cell = cell, Plan = plan, BuildId = backend.BuildId,
            Suites = [.. plan.Suites.Select(s => config.Suite(s)!)],
            ArtifactsDirectory = Path.Combine(backend.ArtifactsRoot, runId, cell.Id.Replace('/', '_')),
            HeartbeatInterval = options.HeartbeatInterval,
            Trusted = !origin.Untrusted,
        }).ToList();
        ServerLog.RunTriggered(_log, runId, plan.Name, trigger, requests.Count, options.InstanceName);
        var task = Task.Run(() => ExecuteAsync(backend, reservations, runId, plan, trigger, origin, requests), CancellationToken.None);
        _inFlight[runId] = task;
        _ = task.ContinueWith(_ => _inFlight.TryRemove(runId, out var _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new TriggerOutcome(runId, null);
    }

    /// <summary>Records a cancel request; the instance running the run sees it within <see cref="FarmServerOptions.CancelPollInterval"/>.</summary>
    public Task RequestCancelAsync(string runId, string by, CancellationToken ct) =>
        store.AppendAsync(new AuditEvent { At = time.GetUtcNow(), Kind = RunEvents.Kind, Subject = runId, From = RunEvents.Running, To = RunEvents.CancelRequested, Reason = $"cancel requested by {by}" }, ct);

    /// <summary>Takes no new run and waits for those in flight, up to <paramref name="ct"/>.</summary>
    public async Task DrainAsync(CancellationToken ct)
    {
        StopAccepting();
        ServerLog.Draining(_log, options.InstanceName, _inFlight.Count);
        // A trigger that passed the check just before the stop registers its run after it: wait until none is left.
        while (_inFlight.Values.ToList() is { Count: > 0 } running) await Task.WhenAll(running).WaitAsync(ct);
    }

    /// <summary>From now on every trigger is refused with 503.</summary>
    public void StopAccepting() => _accepting = false;

    private async Task ExecuteAsync(IFarmBackend farm, StoreCellReservations instance, string runId, Plan plan, string trigger, RunOrigin origin, IReadOnlyList<CellRequest> cells)
    {
        using var scope = _log.BeginScope(new Dictionary<string, object> { ["RunId"] = runId, ["Plan"] = plan.Name, ["Instance"] = options.InstanceName });
        using var cancel = new CancellationTokenSource();
        using var stopWatching = new CancellationTokenSource();
        var watch = new RunWatch();
        var watcher = WatchAsync(runId, watch, cancel, stopWatching.Token);
        // Stopped before the run's own end is written, so the watcher never takes that end for another instance's.
        async Task StopWatchingAsync()
        {
            await stopWatching.CancelAsync();
            await watcher;
        }
        var progress = new StoreRunProgress(runId, store, metrics, time);
        var pipeline = new CellPipeline(instance.ForRun(runId, origin.Repository ?? "default"), farm.Provisioner, farm.Clusters, farm.Suites, farm.Bmcs, progress, time, loggers.CreateLogger<CellPipeline>());
        try
        {
            var run = await new RunCoordinator(pipeline, time, loggers.CreateLogger<RunCoordinator>()).RunAsync(
                new RunRequest { RunId = runId, Plan = plan, Trigger = trigger, MaxParallelCells = options.MaxParallelCells, HeadSha = origin.HeadSha, Repository = origin.Repository },
                cells, cancel.Token);
            await StopWatchingAsync();
            await progress.FlushAsync();
            foreach (var cell in run.Cells) await store.RecordCellAsync(runId, cell, CancellationToken.None);
            await store.FinishRunAsync(runId, CancellationToken.None);
            metrics.CountRun("finished");
            ServerLog.RunFinished(_log, runId, run.Cells.Count);
            await TellObserversAsync(run, origin);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await StopWatchingAsync();
            await progress.FlushAsync();
            await RunEvents.WithdrawQueuedAsync(store, runId, "run cancelled");
            // A run another instance already ended (this one was taken for dead) keeps the end it was given.
            if (!watch.EndedElsewhere)
                await EndAsync(runId, RunEvents.Cancelled, "cancelled: cells still waiting were withdrawn, those holding machines cleaned and released them");
            metrics.CountRun("cancelled");
        }
#pragma warning disable CA1031 // A run's failure is recorded with the run; the server goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await StopWatchingAsync();
            await progress.FlushAsync();
            ServerLog.RunFailed(_log, runId, ex.Message, ex);
            await RunEvents.WithdrawQueuedAsync(store, runId, "run failed");
            await EndAsync(runId, RunEvents.Failed, $"the farm failed: {ex.Message}");
            metrics.CountRun("failed");
        }
        finally
        {
            await StopWatchingAsync();
            await store.DropRunHoldAsync(runId, CancellationToken.None);
        }
    }

    private async Task TellObserversAsync(Core.Results.RunResult run, RunOrigin origin)
    {
        foreach (var observer in _observers)
        {
#pragma warning disable CA1031 // An observer's failure (e.g. GitHub down) must not undo the stored run.
            try { await observer.RunEndedAsync(run, origin, CancellationToken.None); }
            catch (Exception ex) { ServerLog.ObserverFailed(_log, run.RunId, observer.GetType().Name, ex.Message); }
#pragma warning restore CA1031
        }
    }

    private sealed class RunWatch
    {
        public volatile bool EndedElsewhere;
    }

    /// <summary>
    /// While the run goes: beats for it every <see cref="FarmServerOptions.HeartbeatInterval"/> (an instance that stops
    /// beating is taken for dead, see <see cref="SilentRunJob"/>), and cancels it when a cancel is requested or another
    /// instance has ended it.
    /// </summary>
    private async Task WatchAsync(string runId, RunWatch watch, CancellationTokenSource cancel, CancellationToken stop)
    {
        long after = 0;
        var lastBeat = time.GetUtcNow();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(options.CancelPollInterval, time, stop);
                try
                {
                    if (time.GetUtcNow() - lastBeat >= options.HeartbeatInterval)
                    {
                        if (!await store.BeatRunAsync(runId, options.InstanceName, stop)) ServerLog.RunHeldElsewhere(_log, runId, options.InstanceName);
                        lastBeat = time.GetUtcNow();
                    }
                    var events = await store.ReadAsync(runId, after, 100, stop);
                    if (events.Count > 0) after = events[^1].Seq;
                    var runEvents = events.Where(e => e.Kind == RunEvents.Kind).ToList();
                    if (runEvents.Any(e => RunEvents.IsEnd(e.To)))
                    {
                        watch.EndedElsewhere = true;
                        ServerLog.RunEndedElsewhere(_log, runId, runEvents.Last(e => RunEvents.IsEnd(e.To)).Reason);
                        await cancel.CancelAsync();
                        return;
                    }
                    if (runEvents.Any(e => e.To == RunEvents.CancelRequested))
                    {
                        ServerLog.RunCancelling(_log, runId);
                        await cancel.CancelAsync();
                        return;
                    }
                }
                catch (Storage.Database.StoreException ex) { ServerLog.StoreTrouble(_log, "watch the run", ex.Message); }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
    }

    private Task EndAsync(string runId, string state, string reason) =>
        store.AppendAsync(new AuditEvent { At = time.GetUtcNow(), Kind = RunEvents.Kind, Subject = runId, From = RunEvents.Running, To = state, Reason = reason }, CancellationToken.None);
}
