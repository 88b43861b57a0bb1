using Microsoft.Extensions.Logging;
using TestFarm.Core.Configuration;
using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Core.Results;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Orchestration.Reservations;
using TestFarm.Reporting;
using TestFarm.Storage.Sql;
using TestFarm.Core.Scheduling;

namespace TestFarm.Cli.Commands.Nightly;

/// <summary>
/// The main job in the built-in lab: the farm's real pipeline (store, gang reservation, reimage through
/// virtual BMCs and the boot service, verification, simulated cluster with real add-on manifests, suites,
/// cleaning, release) on simulated machines, and the run's reports.
/// </summary>
public sealed class LabNightly(LabNightlyOptions options, IRunProgress progress, TimeProvider time, ILoggerFactory loggers)
{
    public sealed record Outcome(RunResult Run, string OutDirectory);

    public async Task<Outcome> RunAsync(ConfigurationSet config, CancellationToken cancellationToken)
    {
        var plan = config.Plan(options.Plan) ?? throw new FarmSetupException($"no plan '{options.Plan}' in {options.Root}/scenarios/plans");
        var profiles = config.Profiles.Select(p => p.Value).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var cells = MatrixExpander.Expand(plan, profiles.Values);
        if (cells.Count == 0) throw new FarmSetupException($"plan {plan.Name} expands to no cell");
        var runId = $"{plan.Name}-{time.GetUtcNow():yyyyMMdd-HHmmss}";
        var outDir = Path.GetFullPath(options.Out ?? Path.Combine(options.Root, "out", runId));
        Directory.CreateDirectory(outDir);

        // The lab's machines (QEMU ones by default where they can boot and the plan has cells on their profiles) are decided in one place.
        await using var farm = await LabFarm.StartAsync(new LabFarmOptions
        {
            Root = options.Root, OutDirectory = outDir, BuildId = options.BuildId, SparesPerProfile = options.SparesPerProfile,
            QemuMachines = options.QemuMachines, QemuArm64Machines = options.QemuArm64Machines, Machines = options.Machines,
        }, [plan], profiles, time, loggers, cancellationToken);
        var pool = farm.Pool;

        var store = await SqlFarmStore.OpenSqliteAsync(Path.Combine(outDir, "farm.db"), time, ct: cancellationToken);
        var reservations = ReservationService.OverStore(store, profiles, Server.Hosting.FarmServerOptions.DedicatedPool, time);
        await reservations.RegisterPoolAsync(pool, cancellationToken);
        await store.StartRunAsync(runId, plan.Name, "nightly (lab)", cancellationToken);
        // The store is this run's own: a request of any other run is stale.
        using var cellReservations = new StoreCellReservations(reservations, new ReservationStores(store, store, store, PhaseEvents: store), pool, profiles,
            new ReservationSettings { Holder = $"lab-nightly-{Environment.ProcessId}" }, time, (other, _) => Task.FromResult(other != runId));

        var pipeline = new CellPipeline(cellReservations.ForRun(runId), farm.Provisioner, farm.Clusters, farm.Suites, farm.Bmcs, progress, time, loggers.CreateLogger<CellPipeline>());
        var requests = cells.Select(cell => new CellRequest
        {
            Cell = cell, Plan = plan, BuildId = farm.BuildId, RunId = runId,
            Suites = [.. plan.Suites.Select(s => config.Suite(s) ?? throw new FarmSetupException($"plan {plan.Name}: no suite '{s}'"))],
            ArtifactsDirectory = Path.Combine(outDir, "cells", cell.Id.Replace('/', '_')),
        }).ToList();
        var run = await new RunCoordinator(pipeline, time, loggers.CreateLogger<RunCoordinator>()).RunAsync(
            new RunRequest { RunId = runId, Plan = plan, Trigger = "nightly (lab)", MaxParallelCells = options.MaxParallelCells }, requests, cancellationToken);
        foreach (var cell in run.Cells) await store.RecordCellAsync(runId, cell, cancellationToken);
        await store.FinishRunAsync(runId, cancellationToken);
        RunReports.RenderAll(run, outDir, new ReportOptions { Title = $"{plan.Name} in the lab (simulated machines and cluster)" });
        return new Outcome(run, outDir);
    }
}

/// <summary>The lab could not be set up for a run: the farm's own failure, with what to do about it.</summary>
public sealed class FarmSetupException(string message) : Exception(message);
