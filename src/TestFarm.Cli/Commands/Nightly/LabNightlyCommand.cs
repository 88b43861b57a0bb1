using System.CommandLine;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using TestFarm.Cli.Commands.Validate;
using TestFarm.Core.Configuration;
using TestFarm.Core.Results;
using TestFarm.Lab.Machines;

namespace TestFarm.Cli.Commands.Nightly;

/// <summary>
/// <c>testfarm lab nightly [--out DIR] [--plan NAME] [--qemu K] [--machines N] [--serve [--listen URL]]</c>: the main job with no
/// hardware and no outside service: the farm host with the lab backend, one run, then exit. Exit 0 when every cell passed,
/// 1 on product failures (or invalid configuration), 3 when the farm failed (any cell infra-error, or setup); the reason
/// is the last line.
/// </summary>
public sealed class LabNightlyCommand(IEnumerable<IStepValidator> stepValidators, TimeProvider time) : ICliCommand
{
    public string Path => "lab nightly";

    public Command Build()
    {
        var outDir = new Option<string?>("--out") { Description = "The farm's data folder: store, lab, reports in runs/<run-id>/ (default ./out/)" };
        var serve = new Option<bool>("--serve") { Description = "Keep the REST API up while the run goes (its URL and a one-off admin token are printed)" };
        var listen = new Option<string>("--listen") { Description = "Where the API listens with --serve", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var plan = new Option<string>("--plan") { Description = "The plan to run", DefaultValueFactory = _ => "nightly" };
        var spares = new Option<int>("--spares") { Description = "Spare lab machines per profile", DefaultValueFactory = _ => 1 };
        var verbose = new Option<bool>("--verbose") { Description = "Log the farm's work to stderr" };
        var qemu = new Option<int?>("--qemu") { Description = "QEMU machines that really network-boot (profile lab-qemu-amd64; default 1 when QEMU is installed)" };
        var qemuArm64 = new Option<int?>("--qemu-arm64") { Description = "arm64 QEMU machines that really network-boot through UEFI and GRUB (profile lab-qemu-arm64; default 1 when the arm64 boot chain is installed)" };
        var machines = new Option<int?>("--machines") { Description = "Simulated machines in the pool (default: what the plan needs plus spares)" };
        var command = new Command("nightly", "Run a plan (default: nightly) end to end in the built-in lab and write its reports.")
        {
            outDir, plan, spares, verbose, qemu, qemuArm64, machines, serve, listen,
        };
        command.SetAction(async (parse, ct) =>
        {
            var usage = parse.GetValue(spares) is < 0 or > 16 ? $"--spares must be 0 to 16, was {parse.GetValue(spares)}"
                : parse.GetValue(qemu) is < 0 or > 8 ? $"--qemu must be 0 to 8, was {parse.GetValue(qemu)}"
                : parse.GetValue(qemu) > 0 && !QemuOptions.IsAvailable() ? "--qemu: qemu-system-x86_64 is not on PATH (run scripts/install-deps.sh)"
                : parse.GetValue(qemuArm64) is < 0 or > 4 ? $"--qemu-arm64 must be 0 to 4, was {parse.GetValue(qemuArm64)}"
                : parse.GetValue(qemuArm64) > 0 && LabFarm.Arm64QemuMissing(Directory.GetCurrentDirectory()) is { } missing ? $"--qemu-arm64: {missing}"
                : parse.GetValue(machines) is < 1 or > 10_000 ? $"--machines must be 1 to 10000, was {parse.GetValue(machines)}"
                : parse.GetValue(serve) && !Uri.TryCreate(parse.GetValue(listen), UriKind.Absolute, out _) ? $"--listen must be an http URL such as http://127.0.0.1:8080, was '{parse.GetValue(listen)}'"
                : null;
            if (usage is not null)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"lab nightly: {usage}");
                return ExitCodes.Usage;
            }
            return await RunAsync(new LabNightlyOptions
            {
                Root = Directory.GetCurrentDirectory(), Out = parse.GetValue(outDir), Plan = parse.GetValue(plan)!,
                SparesPerProfile = parse.GetValue(spares), QemuMachines = parse.GetValue(qemu), QemuArm64Machines = parse.GetValue(qemuArm64),
                Machines = parse.GetValue(machines), Listen = parse.GetValue(serve) ? new Uri(parse.GetValue(listen)!) : null,
            }, parse.GetValue(verbose), parse.InvocationConfiguration.Error, ct);
        });
        return command;
    }

    public async Task<int> RunAsync(LabNightlyOptions options, bool verbose, TextWriter error, CancellationToken cancellationToken)
    {
        var config = ConfigFileReader.Load(options.Root, null, stepValidators);
        if (!config.IsValid)
        {
            foreach (var e in config.Errors) await error.WriteLineAsync(e.ToString());
            return ExitCodes.InvalidInput;
        }
        System.IDisposable? tracing;
        try { tracing = Server.Telemetry.FarmTracing.StartFromEnvironment("testfarm-lab-nightly"); }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync($"lab nightly: {ex.Message}");
            return ExitCodes.Usage;
        }
        using var traces = tracing;
        var level = verbose ? LogLevel.Information : LogLevel.None;
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(level).AddSimpleConsole(o => o.SingleLine = true));
        var board = new ProgressBoard(time);
        var console = ProgressView.CreateConsole();
        try
        {
            var nightly = new LabNightly(options, board, time, loggers, b => b.SetMinimumLevel(level).AddSimpleConsole(o => o.SingleLine = true))
            {
                ApiStarted = options.Listen is null ? null : (url, token) =>
                {
                    console.WriteLine($"API: {url}/api/v1/runs (bearer token for this run: {token})");
                    return Task.CompletedTask;
                },
            };
            var outcome = await ProgressView.ShowWhileAsync(console, board, nightly.RunAsync(config, cancellationToken));
            ProgressView.WriteVerdicts(console, outcome.Run);
            console.WriteLine($"reports: {outcome.RunFolder} (report.html, report.md, junit.xml, allure-results/)");
            var (code, reason) = Verdict(outcome.Record, outcome.Run);
            console.WriteLine(reason);
            return code;
        }
        catch (FarmSetupException ex)
        {
            await error.WriteLineAsync($"lab nightly: the farm failed: {ex.Message}");
            return ExitCodes.FarmFailure;
        }
    }

    /// <summary>The exit code and the last line: 0 every cell passed, 1 product failures, 3 the farm failed.</summary>
    internal static (int Code, string Reason) Verdict(Core.Runs.RunRecord record, RunResult run)
    {
        string Cells(Verdict v) => string.Join(", ", run.Cells.Where(c => c.Verdict == v).Select(c => c.CellId));
        var infra = run.Cells.Count(c => c.Verdict == Core.Results.Verdict.InfraError);
        var failed = run.Cells.Count(c => c.Verdict == Core.Results.Verdict.Failed);
        return record.State switch
        {
            Core.Runs.RunState.Passed => (ExitCodes.Success, $"run {record.Id} Passed: every cell passed ({run.Cells.Count})"),
            Core.Runs.RunState.Failed => (ExitCodes.ProductFailure, $"run {record.Id} Failed: the product failed in {failed} of {run.Cells.Count} cells: {Cells(Core.Results.Verdict.Failed)}"),
            Core.Runs.RunState.InfraError => (ExitCodes.FarmFailure, $"run {record.Id} InfraError: the farm failed in {infra} of {run.Cells.Count} cells: {Cells(Core.Results.Verdict.InfraError)}"),
            _ => (ExitCodes.FarmFailure, $"run {record.Id} {record.State}: {record.EndReason}"),
        };
    }
}
