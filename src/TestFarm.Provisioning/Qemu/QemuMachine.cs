using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TestFarm.Provisioning.Boot;

namespace TestFarm.Provisioning.Qemu;

/// <summary>
/// Starts and stops one QEMU process: q35, virtio NIC with the machine's MAC on user-mode network
/// (QEMU answers DHCP and serves the iPXE chain script by TFTP), optional virtio disk, serial console
/// to a log. Powering off is killing the process; <c>-no-reboot</c> turns a guest reboot into an exit.
/// </summary>
public sealed class QemuMachine(QemuMachineOptions options, ILogger? logger = null) : IDisposable
{
    private readonly ILogger _log = logger ?? NullLogger.Instance;
    private readonly Lock _gate = new();
    private Process? _process;

    public QemuMachineOptions Options => options;

    public bool Running
    {
        get { lock (_gate) { return _process is { HasExited: false }; } }
    }

    /// <summary>Starts QEMU; <paramref name="networkBoot"/> boots the NIC's iPXE ROM first, else the disk.</summary>
    public void Start(bool networkBoot)
    {
        lock (_gate)
        {
            if (_process is { HasExited: false }) return;
            Directory.CreateDirectory(options.TftpDir);
            File.WriteAllText(Path.Combine(options.TftpDir, "boot.ipxe"), IpxeScript.Chain(options.BootServiceFromGuest));
            if (options.DiskMiB > 0 && !File.Exists(options.DiskPath))
            {
                using var disk = File.Create(options.DiskPath);
                disk.SetLength((long)options.DiskMiB * 1024 * 1024);
            }
            var accel = options.Accel;
            var psi = new ProcessStartInfo(options.QemuBinary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var arg in Arguments(accel, networkBoot)) psi.ArgumentList.Add(arg);
            _process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {options.QemuBinary}");
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) AppendConsole("qemu: " + e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            Log.QemuStarted(_log, options.MachineId, _process.Id, accel);
        }
    }

    public IReadOnlyList<string> Arguments(string accel, bool networkBoot)
    {
        var args = new List<string>
        {
            "-machine", "q35", "-accel", accel, "-m", options.MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-smp", options.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-display", "none", "-no-reboot", "-nodefaults",
            "-serial", "file:" + options.ConsoleLog,
            "-boot", networkBoot ? "n" : "c",
            "-netdev", $"user,id=n0,tftp={options.TftpDir},bootfile=boot.ipxe",
            "-device", $"virtio-net-pci,netdev=n0,mac={options.Mac}",
        };
        if (options.DiskMiB > 0)
            args.AddRange(["-drive", $"file={options.DiskPath},format=raw,if=virtio"]);
        return args;
    }

    /// <summary>Kills QEMU (a hard power-off) and waits for the process to end.</summary>
    public void Kill()
    {
        Process? p;
        lock (_gate) { p = _process; }
        if (p is null) return;
        try
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
        catch (InvalidOperationException) { /* never started or already gone */ }
    }

    /// <summary>Completes when the QEMU process ends (or at once if none runs).</summary>
    public Task ExitedAsync(CancellationToken cancellationToken)
    {
        Process? p;
        lock (_gate) { p = _process; }
        return p is null ? Task.CompletedTask : p.WaitForExitAsync(cancellationToken);
    }

    public string ConsoleText() => File.Exists(options.ConsoleLog) ? File.ReadAllText(options.ConsoleLog) : "";

    private void AppendConsole(string line)
    {
        try { File.AppendAllText(options.ConsoleLog + ".stderr", line + "\n"); }
        catch (IOException) { }
    }

    public void Dispose()
    {
        Kill();
        lock (_gate) { _process?.Dispose(); _process = null; }
    }
}
