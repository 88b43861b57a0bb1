using System.Net;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Configuration;
using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Core.Provisioning;
using TestFarm.Core.Results;
using TestFarm.Lab.Cluster;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Orchestration.Reservations;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Cleaning;
using TestFarm.Provisioning.Image;
using TestFarm.Provisioning.Reimage;
using TestFarm.Redfish;
using TestFarm.Redfish.Factory;
using TestFarm.Reporting;
using TestFarm.Scenarios.Conformance;
using TestFarm.Scenarios.Engine;
using TestFarm.Storage.Sql;
using TestFarm.Kubernetes.Deploy;
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

        var image = await BuildImageAsync(outDir, cancellationToken);
        var qemu = options.QemuMachines ?? (QemuOptions.IsAvailable() ? 1 : 0);
        // QEMU guests reach the host's loopback as 10.0.2.2 (user networking); the simulated machines share that view.
        var farmHost = qemu > 0 ? "10.0.2.2" : "127.0.0.1";
        await using var boot = await BootServiceHost.StartAsync(IPAddress.Loopback, 0, port => new Uri($"http://{farmHost}:{port}"), time, cancellationToken: cancellationToken);
        boot.Artifacts.AddImage(image, Path.Combine(outDir, "image"));

        var machines = LabMachines(cells, plan, profiles, qemu);
        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        await using var lab = await VirtualLab.StartAsync(new LabOptions
        {
            SimulatedMachines = machines.Count,
            QemuMachines = qemu,
            QemuProfile = qemu > 0 ? QemuProfile(profiles) : DefaultProfiles.QemuAmd64,
            WorkDirectory = Path.Combine(outDir, "lab"),
            Password = password,
            BootUrl = new Uri(boot.Options.PublicBaseUrl, "boot/v1/ipxe"),
            DefaultTimings = new SimulatedTimings { Post = TimeSpan.FromSeconds(2), Boot = TimeSpan.FromSeconds(3), Shutdown = TimeSpan.FromSeconds(1) },
        }, machines, time, loggers, cancellationToken);
        var pool = lab.ToPool();

        var store = await SqlFarmStore.OpenSqliteAsync(Path.Combine(outDir, "farm.db"), time, ct: cancellationToken);
        var reservations = new ReservationService(
            new FarmScheduler(new GangChooser(profiles), new PolicyOptions(), new HistoryDurationEstimator(TimeSpan.FromHours(1))),
            store, store, store, time);
        await reservations.RegisterPoolAsync(pool, cancellationToken);
        await store.StartRunAsync(runId, plan.Name, "nightly (lab)", cancellationToken);
        using var cellReservations = new StoreCellReservations(reservations, store, store, pool, profiles,
            new ReservationSettings { Holder = $"lab-nightly-{Environment.ProcessId}", RunId = runId }, time);

        var bmcs = new RedfishClientFactory(new RedfishOptions { PollInterval = TimeSpan.FromMilliseconds(250) }, time, loggers)
        {
            Environment = name => name == "TESTFARM_LAB_BMC_PASSWORD" ? password : Environment.GetEnvironmentVariable(name),
        };
        // Simulated machines POST and boot in seconds: deadlines to match, so a dead phase shows quickly.
        var phase = new PhasePolicy { Deadline = TimeSpan.FromSeconds(30), Retries = 1, Backoff = TimeSpan.FromSeconds(1) };
        var policy = new ProvisioningPolicy
        {
            PowerOff = phase, OverrideSet = phase, Post = phase, NetworkBoot = phase, AgentCallback = phase, Wipe = phase,
            HeartbeatInterval = TimeSpan.FromSeconds(5),
        };
        var reimager = new Reimager(boot.Sessions, boot.Options, policy, time);
        var provisioner = new FarmProvisioner(reimager, new Cleaner(boot.Sessions, reimager, policy, time), bmcs,
            new ImageCatalogue().With(image));

        await using var clusters = new LabClusters(lab, time, loggers);
        var bringUp = new KubernetesBringUp([new LabClusterDeployer(clusters.StartAsync)],
            new BringUpOptions { ArtifactsRoot = Path.Combine(outDir, "cells"), ManifestsRoot = Environment.GetEnvironmentVariable("TESTFARM_MANIFESTS") }, time);
        var suites = new ScenarioSuiteRunner(SuiteRunner.CreateDefault(loggers), new ScenarioExtras
        {
            Sonobuoy = SonobuoyResults() is { } tarball ? new ImportingSonobuoyRunner(tarball) : null,
            LabFaults = new LabFaultsAdapter(lab),
        }, time);

        var pipeline = new CellPipeline(cellReservations, provisioner, bringUp, suites, bmcs, progress, time, loggers.CreateLogger<CellPipeline>());
        var requests = cells.Select(cell => new CellRequest
        {
            Cell = cell, Plan = plan, BuildId = image.BuildId, RunId = runId,
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
    /// machines standing in for lab-qemu-amd64 ones; <see cref="LabNightlyOptions.Machines"/> adds more,
    /// spread over the plan's profiles.
    /// </summary>
    private List<HardwareProfile> LabMachines(IReadOnlyList<MatrixCell> cells, Plan plan, Dictionary<string, HardwareProfile> profiles, int qemu)
    {
        var perProfile = cells.GroupBy(c => c.Profile, StringComparer.Ordinal)
            .Select(g => (Profile: profiles[g.Key], Count: g.Sum(c => c.Topology.Roles.Sum(r => r.Count)) + plan.Spares + options.SparesPerProfile))
            .Select(p => p.Profile.Name == QemuProfileName ? p with { Count = Math.Max(0, p.Count - qemu) } : p)
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

    private static HardwareProfile QemuProfile(Dictionary<string, HardwareProfile> profiles) =>
        profiles.GetValueOrDefault(QemuProfileName)
        ?? throw new FarmSetupException($"QEMU lab machines need the hardware profile {QemuProfileName} in hardware-profiles/ (or run with --qemu 0)");

    private async Task<BootImage> BuildImageAsync(string outDir, CancellationToken cancellationToken)
    {
        var kernel = Path.Combine(options.Root, ".tools", "kernel");
        if (!File.Exists(Path.Combine(kernel, "vmlinuz")))
            throw new FarmSetupException($"no lab kernel at {kernel}: run scripts/install-deps.sh first");
        return await LabImageBuilder.BuildAsync(new LabImageOptions
        {
            KernelDir = kernel, OutDir = Path.Combine(outDir, "image"), BuildId = options.BuildId,
        }, cancellationToken);
    }

    /// <summary>The recorded conformance results the lab's conformance step imports (no sonobuoy binary runs here).</summary>
    private string? SonobuoyResults()
    {
        if (Environment.GetEnvironmentVariable("TESTFARM_SONOBUOY_RESULTS") is { Length: > 0 } env) return env;
        var shared = Path.GetFullPath(Path.Combine(options.Root, "..", "shared", "fixtures", "sonobuoy", "results-quick-no-failures.tar.gz"));
        return File.Exists(shared) ? shared : null;
    }
}

/// <summary>The lab could not be set up for a run: the farm's own failure, with what to do about it.</summary>
public sealed class FarmSetupException(string message) : Exception(message);
