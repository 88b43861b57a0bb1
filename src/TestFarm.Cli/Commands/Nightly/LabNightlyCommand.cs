using System.CommandLine;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using TestFarm.Cli.Commands.Validate;
using TestFarm.Core.Configuration;
using TestFarm.Core.Results;
using TestFarm.Lab.Machines;

namespace TestFarm.Cli.Commands.Nightly;

/// <summary>
/// <c>testfarm lab nightly [--out DIR] [--plan NAME] [--qemu K] [--machines N]</c>: the main job with no hardware and no outside service.
/// Exit 0 when the run completed (whatever the product verdicts), 1 on invalid configuration, 3 when the farm
/// itself failed.
/// </summary>
public sealed class LabNightlyCommand(IEnumerable<IStepValidator> stepValidators, TimeProvider time) : ICliCommand
{
    public string Path => "lab nightly";

    public Command Build()
    {
        var outDir = new Option<string?>("--out") { Description = "Where reports go (default ./out/<run-id>/)" };
        var plan = new Option<string>("--plan") { Description = "The plan to run", DefaultValueFactory = _ => "nightly" };
        var spares = new Option<int>("--spares") { Description = "Spare lab machines per profile", DefaultValueFactory = _ => 1 };
        var verbose = new Option<bool>("--verbose") { Description = "Log the farm's work to stderr" };
        var qemu = new Option<int?>("--qemu") { Description = "QEMU machines that really network-boot (profile lab-qemu-amd64; default 1 when QEMU is installed)" };
        var qemuArm64 = new Option<int?>("--qemu-arm64") { Description = "arm64 QEMU machines that really network-boot through UEFI and GRUB (profile lab-qemu-arm64; default 1 when the arm64 boot chain is installed)" };
        var machines = new Option<int?>("--machines") { Description = "Simulated machines in the pool (default: what the plan needs plus spares)" };
        var command = new Command("nightly", "Run a plan (default: nightly) end to end in the built-in lab and write its reports.")
        {
            outDir, plan, spares, verbose, qemu, qemuArm64, machines,
        };
        command.SetAction(async (parse, ct) =>
        {
            var usage = parse.GetValue(spares) is < 0 or > 16 ? $"--spares must be 0 to 16, was {parse.GetValue(spares)}"
                : parse.GetValue(qemu) is < 0 or > 8 ? $"--qemu must be 0 to 8, was {parse.GetValue(qemu)}"
                : parse.GetValue(qemu) > 0 && !QemuOptions.IsAvailable() ? "--qemu: qemu-system-x86_64 is not on PATH (run scripts/install-deps.sh)"
                : parse.GetValue(qemuArm64) is < 0 or > 4 ? $"--qemu-arm64 must be 0 to 4, was {parse.GetValue(qemuArm64)}"
                : parse.GetValue(qemuArm64) > 0 && LabFarm.Arm64QemuMissing(Directory.GetCurrentDirectory()) is { } missing ? $"--qemu-arm64: {missing}"
                : parse.GetValue(machines) is < 1 or > 10_000 ? $"--machines must be 1 to 10000, was {parse.GetValue(machines)}"
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
                Machines = parse.GetValue(machines),
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
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.None).AddSimpleConsole(o => o.SingleLine = true));
        var board = new ProgressBoard(time);
        var console = ProgressView.CreateConsole();
        try
        {
            var outcome = await ProgressView.ShowWhileAsync(console, board,
                new LabNightly(options, board, time, loggers).RunAsync(config, cancellationToken));
            ProgressView.WriteVerdicts(console, outcome.Run);
            console.WriteLine($"reports: {outcome.OutDirectory} (report.html, report.md, junit.xml, allure-results/)");
            console.WriteLine($"run verdict: {VerdictAggregation.ForRun(outcome.Run.Cells)}");
            return ExitCodes.Success;
        }
        catch (FarmSetupException ex)
        {
            await error.WriteLineAsync($"lab nightly: {ex.Message}");
            return ExitCodes.FarmFailure;
        }
    }
}
