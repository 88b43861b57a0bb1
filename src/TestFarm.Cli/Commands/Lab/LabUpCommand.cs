using System.CommandLine;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TestFarm.Lab.LabHost;

namespace TestFarm.Cli.Commands.Lab;

/// <summary>
/// <c>testfarm lab up</c>: starts the embedded lab in the foreground (virtual BMCs over simulated and
/// QEMU machines, each on its own loopback address), prints each BMC URL, writes a pool file, and on
/// Ctrl-C/SIGTERM stops it and kills every QEMU.
/// </summary>
public sealed class LabUpCommand(TimeProvider time) : ICliCommand
{
    public const string PasswordEnv = "TESTFARM_LAB_BMC_PASSWORD";

    public string Path => "lab up";

    private readonly Option<int> _machines = new("--machines") { Description = "Simulated machines", DefaultValueFactory = _ => 3 };
    private readonly Option<int> _qemu = new("--qemu") { Description = "QEMU machines (qemu-system-x86_64, TCG)", DefaultValueFactory = _ => 0 };
    private readonly Option<string?> _profiles = new("--profiles") { Description = "Comma-separated hardware profile names (hardware-profiles/<name>.yaml), assigned round robin" };
    private readonly Option<string> _profileDir = new("--profile-dir") { Description = "Folder of hardware profile files", DefaultValueFactory = _ => "hardware-profiles" };
    private readonly Option<int> _qemuArm64 = new("--qemu-arm64") { Description = "arm64 QEMU machines (qemu-system-aarch64, TCG, AAVMF UEFI PXE through GRUB; need --grub-url)", DefaultValueFactory = _ => 0 };
    private readonly Option<string?> _grubUrl = new("--grub-url") { Description = "Host-side URL of the farm's GRUB entry (/boot/v1/grub) that arm64 QEMU machines' GRUB sources" };
    private readonly Option<string> _grubDir = new("--grub-dir") { Description = "Folder with grubnetaa64.efi (scripts/install-deps.sh puts it in .tools/arm64/grub)", DefaultValueFactory = _ => TestFarm.Lab.Machines.QemuOptions.DefaultGrubDirectory };
    private readonly Option<string?> _qemuProfile = new("--qemu-profile") { Description = "Hardware profile the QEMU machines report (default: built-in lab-qemu-amd64)" };
    private readonly Option<int> _port = new("--port") { Description = "Port of every BMC and of the admin API on 127.0.0.1 (0: a free one)", DefaultValueFactory = _ => 0 };
    private readonly Option<string> _bmcNetwork = new("--bmc-network") { Description = "Loopback range of the BMCs' addresses, one per machine", DefaultValueFactory = _ => BmcNetwork.Default };
    private readonly Option<string> _user = new("--user") { Description = "BMC user", DefaultValueFactory = _ => "admin" };
    private readonly Option<string?> _password = new("--password") { Description = $"BMC password (default: ${PasswordEnv}, else generated)" };
    private readonly Option<string?> _poolOut = new("--pool-out") { Description = "Write the lab's pool file here" };
    private readonly Option<string?> _bootUrl = new("--boot-url") { Description = "Host-side URL that QEMU machines' iPXE chains to on a Pxe boot" };
    private readonly Option<bool> _kvm = new("--kvm") { Description = "Let QEMU use KVM when /dev/kvm opens" };
    private readonly Option<string?> _workDir = new("--work-dir") { Description = "Folder for QEMU consoles and TFTP roots" };

    public Command Build()
    {
        var command = new Command("up", "Start the lab in the foreground: virtual BMCs over simulated and QEMU machines.");
        foreach (var option in new Option[] { _machines, _qemu, _qemuArm64, _grubUrl, _grubDir, _profiles, _profileDir, _qemuProfile, _port, _bmcNetwork, _user, _password, _poolOut, _bootUrl, _kvm, _workDir })
            command.Options.Add(option);
        command.SetAction(RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var password = parse.GetValue(_password) ?? Environment.GetEnvironmentVariable(PasswordEnv);
        var generated = password is null;
        password ??= Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
        IReadOnlyList<Core.Hardware.HardwareProfile> profiles;
        var qemuProfile = DefaultProfiles.QemuAmd64;
        try
        {
            var names = (parse.GetValue(_profiles) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            profiles = ProfileFileReader.Load(names, parse.GetValue(_profileDir)!);
            if (parse.GetValue(_qemuProfile) is { } qemuName) qemuProfile = ProfileFileReader.Load([qemuName], parse.GetValue(_profileDir)!)[0];
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            await Console.Error.WriteLineAsync($"lab up: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
        Uri? bootUrl = null, grubUrl = null;
        if (parse.GetValue(_bootUrl) is { } bootText && !Uri.TryCreate(bootText, UriKind.Absolute, out bootUrl))
        {
            await Console.Error.WriteLineAsync($"lab up: --boot-url '{bootText}' is not an absolute URL").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        if (parse.GetValue(_grubUrl) is { } grubText && !Uri.TryCreate(grubText, UriKind.Absolute, out grubUrl))
        {
            await Console.Error.WriteLineAsync($"lab up: --grub-url '{grubText}' is not an absolute URL").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        if (parse.GetValue(_qemuArm64) > 0 && grubUrl is null)
        {
            await Console.Error.WriteLineAsync("lab up: --qemu-arm64 needs --grub-url: the farm's GRUB entry (http://<boot service>/boot/v1/grub) that the machines' GRUB sources").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        var options = new LabOptions
        {
            SimulatedMachines = parse.GetValue(_machines), QemuMachines = parse.GetValue(_qemu), Port = parse.GetValue(_port), BmcNetwork = parse.GetValue(_bmcNetwork)!,
            User = parse.GetValue(_user)!, Password = password, BootUrl = bootUrl, UseKvm = parse.GetValue(_kvm),
            WorkDirectory = parse.GetValue(_workDir), QemuProfile = qemuProfile,
            QemuArm64Machines = parse.GetValue(_qemuArm64), GrubBootUrl = grubUrl, GrubDirectory = parse.GetValue(_grubDir)!,
        };
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            foreach (var e in errors) await Console.Error.WriteLineAsync($"lab up: {e}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        VirtualLab started;
        try { started = await VirtualLab.StartAsync(options, profiles, time, cancellationToken: stop.Token).ConfigureAwait(false); }
        catch (Exception ex) when (ex is FileNotFoundException or IOException)
        {
            await Console.Error.WriteLineAsync($"lab up: could not start the lab: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.FarmFailure;
        }
        await using var lab = started;
        Console.WriteLine($"lab up: {options.SimulatedMachines} simulated, {options.QemuMachines} QEMU amd64, {options.QemuArm64Machines} QEMU arm64 machines; each BMC at http://<its address in {options.BmcNetwork}>:{lab.BaseAddress.Port}/redfish/v1; admin: {lab.BaseAddress}lab/machines");
        foreach (var m in lab.Machines)
            Console.WriteLine($"{m.Id}\t{m.Profile.Name}\t{lab.BmcUrl(m.Id)}\t{m.ProvisioningMac}{(m.Backend.ConsoleLogPath is { } log ? "\tconsole " + log : "")}");
        if (generated) Console.WriteLine($"BMC user {options.User}; password generated for this run: export {PasswordEnv}={password}");
        if (parse.GetValue(_poolOut) is { } poolOut)
        {
            await PoolFileWriter.WriteAsync(lab.ToPool(PasswordEnv), poolOut, stop.Token).ConfigureAwait(false);
            Console.WriteLine($"pool file written to {System.IO.Path.GetFullPath(poolOut)} (password by reference: ${PasswordEnv})");
        }
        Console.WriteLine("running; Ctrl-C or SIGTERM stops the lab");
        try { await Task.Delay(Timeout.InfiniteTimeSpan, time, stop.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        Console.WriteLine("stopping the lab");
        return ExitCodes.Success;
    }
}
