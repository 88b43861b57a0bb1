using Microsoft.Extensions.Logging;
using TestFarm.Core.Bmc;
using TestFarm.Core.Results;

namespace TestFarm.Orchestration.Pipeline;

/// <summary>
/// Runs one cell through the pipeline: reserve → reimage and verify → deploy → add-ons ready → suites
/// → clean → release. The lease is heartbeated in every phase; machines are always cleaned and released,
/// whatever failed; a farm failure becomes an infra-error naming its phase.
/// </summary>
public sealed class CellPipeline(
    ICellReservations reservations,
    IMachineProvisioner provisioner,
    IClusterBringUp clusters,
    ISuiteRunner suites,
    IBmcClientFactory bmcs,
    IRunProgress progress,
    TimeProvider time,
    ILogger<CellPipeline> logger)
{
    public async Task<CellResult> RunAsync(CellRequest request, CancellationToken cancellationToken)
    {
        var cell = request.Cell;
        using var activity = FarmTelemetry.Source.StartActivity("cell");
        activity?.SetTag(FarmTelemetry.Tags.RunId, request.RunId);
        activity?.SetTag(FarmTelemetry.Tags.Plan, request.Plan.Name);
        activity?.SetTag(FarmTelemetry.Tags.CellId, cell.Id);
        activity?.SetTag(FarmTelemetry.Tags.Profile, cell.Profile);
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["RunId"] = request.RunId, ["CellId"] = cell.Id });
        var result = await RunCellAsync(request, cancellationToken);
        activity?.SetTag(FarmTelemetry.Tags.Verdict, result.Verdict.ToString());
        if (result.Phases.FirstOrDefault(p => !p.Succeeded) is { } failed) FarmTelemetry.Fail(activity, $"phase {failed.Phase}: {failed.Error}");
        return result;
    }

    private async Task<CellResult> RunCellAsync(CellRequest request, CancellationToken cancellationToken)
    {
        var cell = request.Cell;
        var phases = new PhaseRecorder(cell.Id, time, progress);
        var state = new CellState();
        CellLease lease;
        try
        {
            lease = await phases.RunAsync(PipelinePhases.Reserve, Deadline(request, PipelinePhases.Reserve),
                ct => reservations.ReserveAsync(cell, request.Plan, ct), cancellationToken);
        }
        catch (PhaseFailedException ex)
        {
            Log.PhaseFailed(logger, cell.Id, ex.Phase, ex.Message);
            return CellOutcome.Build(request, state, phases.Phases, infraPhase: ex.Phase, infraError: ex.Message);
        }

        state.Machines = [.. lease.Machines];
        var held = string.Join(",", lease.Machines.Select(m => m.Machine.Id));
        Log.CellReserved(logger, cell.Id, lease.LeaseId, held);
        System.Diagnostics.Activity.Current?.SetTag(FarmTelemetry.Tags.Machines, held);
        System.Diagnostics.Activity.Current?.SetTag(FarmTelemetry.Tags.LeaseId, lease.LeaseId);
        await using var heartbeat = new LeaseHeartbeat(reservations, lease, request.HeartbeatInterval, time, logger);
        phases.OnStart = async phase =>
        {
            // Best effort: the audit trail must not fail the cell, but a gap in it is said.
            try { await reservations.RecordPhaseAsync(lease, phase, CancellationToken.None); }
            catch (Exception ex) { Log.PhaseNotAudited(logger, cell.Id, phase, ex.Message); }
        };
        string? infraPhase = null, infraError = null;
        try
        {
            await new CellWork(request, lease, state, phases, reservations, provisioner, clusters, suites, bmcs, logger, heartbeat.BeatAsync)
                .RunAsync(cancellationToken);
        }
        catch (PhaseFailedException ex)
        {
            (infraPhase, infraError) = (ex.Phase, ex.Message);
            Log.PhaseFailed(logger, cell.Id, ex.Phase, ex.Message);
        }
        finally
        {
            if (!await HoldAsync(request, lease, state, phases, infraPhase, infraError))
                await CleanAndReleaseAsync(request, lease, state, phases, heartbeat);
        }
        return CellOutcome.Build(request, state, phases.Phases, infraPhase, infraError);
    }

    /// <summary>
    /// With the plan's <c>hold_on_failure</c>, a cell that ended Failed (product failure, no suspect machine) hands its
    /// lease as it is to the plan's <c>hold_for</c> person. An infra-error is never held: its machines may be at fault and
    /// are cleaned and checked. Whatever goes wrong in handing over, the cell cleans and releases as usual.
    /// </summary>
    private async Task<bool> HoldAsync(CellRequest request, CellLease lease, CellState state, PhaseRecorder phases, string? infraPhase, string? infraError)
    {
        if (request.Plan is not { HoldOnFailure: { } duration, HoldFor: { } owner } || state.Suspect.Count > 0) return false;
        if (CellOutcome.Build(request, state, phases.Phases, infraPhase, infraError).Verdict != Verdict.Failed) return false;
        var where = request.RunId is null ? request.Cell.Id : $"{request.RunId}/{request.Cell.Id}";
        try
        {
            var id = await reservations.HoldAsync(lease, new CellHold(request.Cell.Id, request.Cell.Profile, request.BuildId, owner, duration,
                $"held on failure of cell {where} (plan {request.Plan.Name}, hold_on_failure {duration})"), CancellationToken.None);
            if (id is null) return false;
            state.Evidence["held"] = $"machines held uncleaned for {owner} as reservation {id} for {duration}";
            Log.CellHeld(logger, request.Cell.Id, lease.LeaseId, id, owner);
            return true;
        }
        catch (Exception ex)
        {
            Log.PhaseFailed(logger, request.Cell.Id, "hold", ex.Message);
            return false;
        }
    }

    private async Task CleanAndReleaseAsync(CellRequest request, CellLease lease, CellState state, PhaseRecorder phases, LeaseHeartbeat heartbeat)
    {
        // Cleaning runs even when the run was cancelled: machines are never left dirty or held.
        var ct = CancellationToken.None;
        try
        {
            await phases.RunAsync(PipelinePhases.Clean, Deadline(request, PipelinePhases.Clean), async token =>
            {
                // Every machine the cell touched, but for those going back as Suspect (a health check cleans them).
                var held = lease.Machines.Concat(lease.Spares.Where(s => state.UsedSpares.Contains(s.Machine.Id)))
                    .Where(m => !state.Suspect.ContainsKey(m.Machine.Id)).ToList();
                var results = await Task.WhenAll(held.Select(m => provisioner.CleanAsync(m, request.Trusted, heartbeat.BeatAsync, token)));
                foreach (var (machine, result) in held.Zip(results))
                {
                    if (!result.Succeeded) state.Suspect[machine.Machine.Id] = $"cleaning failed in {result.FailedPhase}: {result.Error}";
                }
            }, ct);
        }
        catch (PhaseFailedException ex)
        {
            foreach (var m in lease.Machines) state.Suspect.TryAdd(m.Machine.Id, $"cleaning failed: {ex.Message}");
        }

        try
        {
            await phases.RunAsync(PipelinePhases.Release, Deadline(request, PipelinePhases.Release),
                token => reservations.ReleaseAsync(lease, state.Suspect, token), ct);
        }
        catch (PhaseFailedException ex)
        {
            // The lease stops beating and will be reaped: its machines go to Cleaning, never to Available.
            Log.PhaseFailed(logger, request.Cell.Id, ex.Phase, ex.Message);
        }
    }

    internal static TimeSpan Deadline(CellRequest request, string phase) =>
        request.Plan.Timeouts.TryGetValue(phase, out var t) ? t : PipelinePhases.DefaultDeadline(phase);
}
