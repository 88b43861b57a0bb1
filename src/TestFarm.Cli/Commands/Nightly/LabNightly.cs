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
using TestFarm.Lab.Machines;

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
        AddonPreflight.Check(plan, Kubernetes.Addons.Catalogue.AddonSources.FromEnvironment(options.Root));
        var runId = $"{plan.Name}-{time.GetUtcNow():yyyyMMdd-HHmmss}";
        var outDir = Path.GetFullPath(options.Out ?? Path.Combine(options.Root, "out", runId));
        Directory.CreateDirectory(outDir);

        // By default one QEMU machine per QEMU profile the plan has cells on, when it can boot here.
        var qemu = options.QemuMachines ?? (QemuOptions.IsAvailable() && cells.Any(c => c.Profile == QemuProfileName) ? 1 : 0);
        var qemuArm64 = options.QemuArm64Machines ?? (LabFarm.Arm64QemuMissing(options.Root) is null && cells.Any(c => c.Profile == QemuArm64ProfileName) ? 1 : 0);
        var machines = LabMachines(cells, plan, profiles, new Dictionary<string, int> { [QemuProfileName] = qemu, [QemuArm64ProfileName] = qemuArm64 });
        await using var farm = await LabFarm.StartAsync(new LabFarmOptions
        {
            Root = options.Root, OutDirectory = outDir, BuildId = options.BuildId,
            QemuMachines = qemu, QemuProfile = qemu > 0 ? QemuProfile(profiles, QemuProfileName, "--qemu 0") : null,
            QemuArm64Machines = qemuArm64, QemuArm64Profile = qemuArm64 > 0 ? QemuProfile(profiles, QemuArm64ProfileName, "--qemu-arm64 0") : null,
        }, machines, time, loggers, cancellationToken);
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

    /// <summary>
    /// The simulated machines, a profile each: per profile what its cells need plus spares, less the QEMU
    /// machines standing in for lab-qemu-amd64 and lab-qemu-arm64 ones; <see cref="LabNightlyOptions.Machines"/> adds more,
    /// spread over the plan's profiles.
    /// </summary>
    private List<HardwareProfile> LabMachines(IReadOnlyList<MatrixCell> cells, Plan plan, Dictionary<string, HardwareProfile> profiles, IReadOnlyDictionary<string, int> qemu)
    {
        var perProfile = cells.GroupBy(c => c.Profile, StringComparer.Ordinal)
            .Select(g => (Profile: profiles[g.Key], Count: g.Sum(c => c.Topology.Roles.Sum(r => r.Count)) + plan.Spares + options.SparesPerProfile))
            .Select(p => p with { Count = Math.Max(0, p.Count - qemu.GetValueOrDefault(p.Profile.Name)) })
            .ToList();
        var needed = perProfile.Sum(p => p.Count);
        if (options.Machines is { } wanted)
        {
            if (wanted < needed)
                throw new FarmSetupException($"--machines {wanted}: plan {plan.Name} needs at least {needed} simulated machines "
                    + $"({string.Join(", ", perProfile.Select(p => $"{p.Count}× {p.Profile.Name}"))}, spares included)");
            for (var i = 0; i < wanted - needed; i++)
                perProfile[i % perProfile.Count] = perProfile[i % perProfile.Count] with { Count = perProfile[i % perProfile.Count].Count + 1 };
        }
        return [.. perProfile.SelectMany(p => Enumerable.Repeat(p.Profile, p.Count))];
    }

    private const string QemuProfileName = "lab-qemu-amd64";
    private const string QemuArm64ProfileName = "lab-qemu-arm64";

    private static HardwareProfile QemuProfile(Dictionary<string, HardwareProfile> profiles, string name, string without) =>
        profiles.GetValueOrDefault(name)
        ?? throw new FarmSetupException($"QEMU lab machines need the hardware profile {name} in hardware-profiles/ (or run with {without})");
}

/// <summary>The lab could not be set up for a run: the farm's own failure, with what to do about it.</summary>
public sealed class FarmSetupException(string message) : Exception(message);
