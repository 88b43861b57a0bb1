using Microsoft.Extensions.Logging;
using TestFarm.Core.Bmc;
using TestFarm.Core.Machines;
using TestFarm.Core.Provisioning;
using TestFarm.Core.Results;

namespace TestFarm.Orchestration.Pipeline;

/// <summary>The phases between reservation and cleaning: reimage (with spares), deploy, add-ons, suites.</summary>
internal sealed class CellWork(
    CellRequest request, CellLease lease, CellState state, PhaseRecorder phases,
    ICellReservations reservations, IMachineProvisioner provisioner, IClusterBringUp clusters, ISuiteRunner suites, IBmcClientFactory bmcs,
    ILogger logger, Func<CancellationToken, Task> heartbeat)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await phases.RunAsync(PipelinePhases.Reimage, CellPipeline.Deadline(request, PipelinePhases.Reimage), ReimageAllAsync, cancellationToken);

        await using var cluster = await phases.RunAsync(PipelinePhases.Deploy, CellPipeline.Deadline(request, PipelinePhases.Deploy),
            ct => clusters.DeployAsync(request.Cell, request.Plan, lease with { Machines = state.Machines }, request.ArtifactsDirectory, ct), cancellationToken);
        foreach (var (k, v) in cluster.Versions) state.Evidence[k] = v;

        var addOns = await phases.RunAsync(PipelinePhases.AddOns, CellPipeline.Deadline(request, PipelinePhases.AddOns),
            ct => clusters.WaitAddOnsReadyAsync(cluster, request.Plan, lease with { Machines = state.Machines }, ct), cancellationToken);
        foreach (var (k, v) in addOns) state.Evidence[k] = v;

        var clients = new Dictionary<string, IBmcClient>(StringComparer.Ordinal);
        try
        {
            var context = new SuiteContext
            {
                Cell = request.Cell, Plan = request.Plan, Cluster = cluster, Machines = state.Machines,
                ArtifactsDirectory = request.ArtifactsDirectory, LeaseId = lease.LeaseId,
                Bmc = m => clients.TryGetValue(m.Machine.Id, out var c) ? c : clients[m.Machine.Id] = bmcs.Create(m.Machine),
            };
            await phases.RunAsync(PipelinePhases.Suites, CellPipeline.Deadline(request, PipelinePhases.Suites),
                ct => RunSuitesAsync(context, ct), cancellationToken);
        }
        finally
        {
            foreach (var c in clients.Values) await c.DisposeAsync();
        }
    }

    private async Task ReimageAllAsync(CancellationToken ct)
    {
        var spares = new Queue<CellMachine>(lease.Spares);
        var pending = state.Machines.ToList();
        var ready = new List<CellMachine>();
        while (pending.Count > 0)
        {
            await reservations.MarkAsync(lease, [.. pending.Select(m => m.Machine.Id)], MachineState.Provisioning, $"reimage to build {request.BuildId}", ct);
            var results = await Task.WhenAll(pending.Select(m => provisioner.ReimageAsync(m, request.BuildId, request.Trusted, heartbeat, ct)));
            var retry = new List<CellMachine>();
            foreach (var (machine, result) in pending.Zip(results))
            {
                Record(machine, result);
                if (result.Succeeded) { ready.Add(machine); continue; }
                state.Suspect[machine.Machine.Id] = $"{result.FailedPhase}: {result.Error}";
                var spare = spares.Count > 0 ? spares.Dequeue() : null;
                if (spare is null)
                {
                    throw new PhaseFailedException(PipelinePhases.Reimage,
                        $"{machine.Machine.Id} failed in {result.FailedPhase}: {result.Error}; no spare left");
                }
                Log.SpareUsed(logger, request.Cell.Id, machine.Machine.Id, spare.Machine.Id);
                state.UsedSpares.Add(spare.Machine.Id);
                retry.Add(spare with { Role = machine.Role });
            }
            pending = retry;
        }
        await reservations.MarkAsync(lease, [.. ready.Select(m => m.Machine.Id)], MachineState.InUse, $"booted build {request.BuildId}, verified", ct);
        state.Machines = ready;
    }

    private void Record(CellMachine machine, ProvisionResult result)
    {
        foreach (var p in result.Phases) phases.Add(p with { Phase = $"{PipelinePhases.Reimage}/{p.Phase}" });
        state.Drift.AddRange(result.Drift.Select(d => $"{machine.Machine.Id}: {d}"));
        if (result.ImageDigest is not null) state.Evidence[$"image.{machine.Machine.Id}"] = result.ImageDigest;
        if (result.Succeeded && result.Path is { } path) state.ReimagePaths[machine.Machine.Id] = path.Name();
    }

    private async Task RunSuitesAsync(SuiteContext context, CancellationToken ct)
    {
        foreach (var suite in request.Suites)
        {
            if (ct.IsCancellationRequested)
            {
                state.Tests.Add(new TestResult
                {
                    TestId = $"{suite.Name}/setup", Name = $"{suite.Name} not run", Suite = suite.Name,
                    Verdict = Verdict.InfraError, Phase = PipelinePhases.Suites, Message = "not run: the suites phase was stopped (deadline passed or run cancelled)",
                });
                continue;
            }
            try
            {
                var outcome = await suites.RunAsync(suite, context, ct);
                state.Tests.AddRange(outcome.Tests);
                foreach (var (probe, took) in outcome.Recoveries) state.Recoveries[$"{suite.Name}/{probe}"] = took;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A suite that cannot run is the farm's failure, not the product's: one infra-error test says so.
                state.Tests.Add(new TestResult
                {
                    TestId = $"{suite.Name}/setup", Name = $"{suite.Name} could not run", Suite = suite.Name,
                    Verdict = Verdict.InfraError, Phase = PipelinePhases.Suites, Message = ex.Message,
                });
            }
        }
    }
}
