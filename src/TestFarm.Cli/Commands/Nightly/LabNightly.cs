using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Configuration;
using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Core.Results;
using TestFarm.Core.Runs;
using TestFarm.Lab.Machines;
using TestFarm.Orchestration.Pipeline;
using TestFarm.Orchestration.Runs;
using TestFarm.Reporting;
using TestFarm.Server.Auth;
using TestFarm.Server.Hosting;
using TestFarm.Storage;
using TestFarm.Storage.Database;
using TestFarm.Storage.Sql;
using TestFarm.Orchestration.Adapters;
using TestFarm.Orchestration.Reservations;
using TestFarm.Core.Scheduling;

namespace TestFarm.Cli.Commands.Nightly;

/// <summary>
/// The main job in the built-in lab: the farm host of <c>serve</c> (store, run engine with its durable cell jobs, API)
/// with the lab behind it (virtual BMCs over simulated and QEMU machines, the boot service, simulated clusters with the
/// real add-on manifests), one run of a plan triggered through the engine and waited for.
/// </summary>
public sealed class LabNightly(LabNightlyOptions options, IRunProgress progress, TimeProvider time, ILoggerFactory loggers, Action<ILoggingBuilder>? logging = null)
{
    /// <summary>The run as it ended, where its reports are, and the API's address while it ran.</summary>
    public sealed record Outcome(RunRecord Record, RunResult Run, string RunFolder, string ApiUrl);

    /// <summary>Called once the API is up, with its address and a one-off admin token (for <c>--serve</c>).</summary>
    public Func<string, string, Task>? ApiStarted { get; init; }

    public async Task<Outcome> RunAsync(ConfigurationSet config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var plan = config.Plan(options.Plan) ?? throw new FarmSetupException($"no plan '{options.Plan}' in {options.Root}/scenarios/plans");
        var profiles = config.Profiles.Select(p => p.Value).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var cells = MatrixExpander.Expand(plan, profiles.Values);
        if (cells.Count == 0) throw new FarmSetupException($"plan {plan.Name} expands to no cell");
        AddonPreflight.Check(plan, Kubernetes.Addons.Catalogue.AddonSources.FromEnvironment(options.Root));
        var outDir = Path.GetFullPath(options.Out ?? Path.Combine(options.Root, "out"));
        Directory.CreateDirectory(outDir);

        // The lab's machines (QEMU ones by default where they can boot and the plan has cells on their profiles) are decided in one place.
        await using var farm = await LabFarm.StartAsync(new LabFarmOptions
        {
            Root = options.Root, OutDirectory = outDir, BuildId = options.BuildId, SparesPerProfile = options.SparesPerProfile,
            QemuMachines = options.QemuMachines, QemuArm64Machines = options.QemuArm64Machines, Machines = options.Machines,
        }, [plan], profiles, time, loggers, cancellationToken);

        // The same host as serve: a SQLite store (and Quartz's) in the output folder, the API on loopback.
        var secret = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var serverOptions = new FarmServerOptions
        {
            Listen = options.Listen ?? new Uri("http://127.0.0.1:0"),
            Storage = new StorageOptions { Kind = StoreKind.Sqlite, SqlitePath = Path.Combine(outDir, "farm.db") },
            Configuration = config, InstanceName = $"lab-nightly-{Environment.ProcessId}",
            Tokens = [new ApiToken { Name = "lab-nightly", Role = ApiRole.Admin, Sha256 = TokenAuthenticator.Hash(secret) }],
            Policy = FarmServerOptions.DedicatedPool, HealthChecks = null, MaxParallelCells = options.MaxParallelCells,
            DataDirectory = outDir, ReportTitle = name => $"{name} in the lab (simulated machines and cluster)",
            ReaperInterval = TimeSpan.FromSeconds(5), CleanerInterval = TimeSpan.FromSeconds(5), CleaningGrace = TimeSpan.FromSeconds(5),
            ShutdownTimeout = TimeSpan.FromMinutes(2),
        };
        WebApplication app;
        try
        {
            app = await FarmServer.BuildAsync(serverOptions, farm, logging: logging, time: time,
                configureServices: s => s.AddSingleton(progress), ct: cancellationToken);
        }
        catch (FarmServerConfigException ex)
        {
            throw new FarmSetupException(ex.Message);
        }
        await using (app)
        {
            await app.StartAsync(cancellationToken);
            var url = FarmServer.BoundAddress(app);
            if (ApiStarted is { } started) await started(url, secret);
            var engine = app.Services.GetRequiredService<RunEngine>();
            var triggered = await engine.TriggerAsync(plan.Name, "nightly (lab)", cancellationToken);
            if (triggered.Refusal is { } refused) throw new FarmSetupException($"plan {plan.Name}: {refused.Detail}");
            var runId = triggered.RunId!;
            RunRecord record;
            try { record = await engine.WaitForEndAsync(runId, cancellationToken); }
            catch (OperationCanceledException)
            {
                // Interrupted: the run still ends (cancelled), its cells clean and release before the host stops.
                await engine.CancelAsync(runId, "lab nightly (interrupted)", CancellationToken.None);
                throw;
            }
            var run = await app.Services.GetRequiredService<SqlFarmStore>().GetRunAsync(runId, CancellationToken.None);
            await app.StopAsync(CancellationToken.None);
            return new Outcome(record, run!, new RunFolders(outDir).Run(runId), url);
        }
    }
}

/// <summary>The lab could not be set up for a run: the farm's own failure, with what to do about it.</summary>
public sealed class FarmSetupException(string message) : Exception(message);
