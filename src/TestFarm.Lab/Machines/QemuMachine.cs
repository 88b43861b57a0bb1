using System.Diagnostics;
using System.Text.Json.Nodes;

namespace TestFarm.Lab.Machines;

/// <summary>
/// A lab machine that is a real <c>qemu-system-x86_64</c> process (q35, TCG or KVM, virtio-net on
/// QEMU's user network with TFTP). Power on starts the process; ForceOff and restart go through QMP
/// (<c>quit</c>, then a new process for the new boot device); the guest's own power off ends the
/// process (<c>-no-reboot</c>) and counts as Off. Serial console appended to <see cref="ConsoleLogPath"/>.
/// </summary>
public sealed class QemuMachine : IMachineBackend
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly QemuOptions _options;
    private readonly string _binary;
    private Process? _process;
    private QmpClient? _qmp;
    private Task? _consolePump;

    public QemuMachine(QemuOptions options)
    {
        _options = options;
        _binary = QemuOptions.FindOnPath(options.Binary)
                  ?? throw new FileNotFoundException($"QEMU binary '{options.Binary}' not found on PATH");
        Directory.CreateDirectory(options.WorkDirectory);
        ConsoleLogPath = Path.Combine(options.WorkDirectory, "console.log");
        TftpDirectory = Path.Combine(options.WorkDirectory, "tftp");
        Directory.CreateDirectory(TftpDirectory);
    }

    public MachinePowerState PowerState => _process is { HasExited: false } ? MachinePowerState.On : MachinePowerState.Off;
    public MachinePhase Phase => PowerState == MachinePowerState.On ? MachinePhase.Running : MachinePhase.Off;
    public BootDevice CurrentBoot { get; private set; } = BootDevice.None;
    public string ConsoleLogPath { get; }
    public string TftpDirectory { get; }
    private string QmpSocket => Path.Combine(_options.WorkDirectory, "qmp.sock");

    /// <summary>The arguments of the last started process, for logs and tests.</summary>
    public IReadOnlyList<string> LastArguments { get; private set; } = [];

    public async Task PowerOnAsync(BootRequest boot, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (PowerState == MachinePowerState.On) return;
            await StartLockedAsync(boot, cancellationToken).ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    public async Task PowerOffAsync(bool graceful, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (PowerState == MachinePowerState.Off) return;
            if (graceful && _qmp is not null)
            {
                await _qmp.ExecuteAsync("system_powerdown", null, _options.QmpTimeout, cancellationToken).ConfigureAwait(false);
                return;
            }
            await StopLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    public async Task RestartAsync(BootRequest boot, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopLockedAsync(cancellationToken).ConfigureAwait(false);
            await StartLockedAsync(boot, cancellationToken).ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    public async Task SetLinkAsync(int nicIndex, bool up, CancellationToken cancellationToken = default)
    {
        if (nicIndex != 0 || _qmp is null || PowerState == MachinePowerState.Off) return;
        await _qmp.ExecuteAsync("set_link", new JsonObject { ["name"] = "n0", ["up"] = up }, _options.QmpTimeout, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try { await StopLockedAsync(CancellationToken.None).ConfigureAwait(false); }
        finally { _gate.Release(); }
        _gate.Dispose();
    }

    private async Task StartLockedAsync(BootRequest boot, CancellationToken cancellationToken)
    {
        if (File.Exists(QmpSocket)) File.Delete(QmpSocket);
        string? iso = null;
        if (boot.Device == BootDevice.Cd && boot.MediaImage is not null)
            iso = await DownloadMediaAsync(boot.MediaImage, cancellationToken).ConfigureAwait(false);
        if (_options.BootUrl is not null)
            await File.WriteAllTextAsync(Path.Combine(TftpDirectory, "chain.ipxe"), QemuOptions.ChainScript(_options.BootUrl), cancellationToken).ConfigureAwait(false);

        var args = BuildArguments(boot.Device, iso);
        var info = new ProcessStartInfo(_binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        LastArguments = args;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {_binary}");
        _process = process;
        CurrentBoot = boot.Device;
        _consolePump = PumpConsoleAsync(process);

        var started = Stopwatch.GetTimestamp(); // a real process: bounded wait on real I/O
        while (!File.Exists(QmpSocket))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{_binary} exited with {process.ExitCode} at start; see {ConsoleLogPath}");
            if (Stopwatch.GetElapsedTime(started) > _options.QmpTimeout) throw new TimeoutException($"QMP socket {QmpSocket} did not appear");
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
        _qmp = await QmpClient.ConnectAsync(QmpSocket, _options.QmpTimeout, cancellationToken).ConfigureAwait(false);
    }

    private List<string> BuildArguments(BootDevice device, string? iso)
    {
        var accel = _options.UseKvmIfAvailable && KvmUsable() ? "kvm" : "tcg";
        var netdev = $"user,id=n0,tftp={TftpDirectory},bootfile=chain.ipxe";
        var args = new List<string>
        {
            "-machine", $"q35,accel={accel}", "-m", _options.MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-smp", "1", "-nographic", "-no-reboot",
            "-qmp", $"unix:{QmpSocket},server=on,wait=off",
            "-netdev", netdev, "-device", $"virtio-net-pci,netdev=n0,mac={_options.Mac}",
        };
        for (var i = 0; i < _options.DiskBytes.Count; i++)
        {
            var disk = Path.Combine(_options.WorkDirectory, $"disk{i}.raw");
            if (!File.Exists(disk))
            {
                using var file = File.Create(disk);
                file.SetLength(_options.DiskBytes[i]); // sparse: costs nothing until written
            }
            args.Add("-drive");
            args.Add($"file={disk},format=raw,if=virtio");
        }
        if (iso is not null) { args.Add("-cdrom"); args.Add(iso); }
        args.Add("-boot");
        args.Add(device switch
        {
            BootDevice.Pxe or BootDevice.UefiHttp => "order=n",
            BootDevice.Cd => "order=d",
            _ => "order=c",
        });
        return args;
    }

    private static bool KvmUsable()
    {
        try
        {
            using var kvm = File.Open("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return false; }
    }

    private async Task<string> DownloadMediaAsync(Uri image, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_options.WorkDirectory, "media.iso");
        if (image.IsFile) { File.Copy(image.LocalPath, path, overwrite: true); return path; }
        using var http = new HttpClient { Timeout = _options.MediaDownloadTimeout };
        await using var body = await http.GetStreamAsync(image, cancellationToken).ConfigureAwait(false);
        await using var file = File.Create(path);
        await body.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        return path;
    }

    /// <summary>Copies QEMU's stdout (the serial console) and stderr into the console log, unbuffered so it can be read live.</summary>
    private async Task PumpConsoleAsync(Process process)
    {
        await using var log = new FileStream(ConsoleLogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        var gate = new SemaphoreSlim(1, 1);
        async Task CopyAsync(Stream from)
        {
            var buffer = new byte[4096];
            int read;
            while ((read = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                await gate.WaitAsync().ConfigureAwait(false);
                try { await log.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false); }
                finally { gate.Release(); }
            }
        }
        try { await Task.WhenAll(CopyAsync(process.StandardOutput.BaseStream), CopyAsync(process.StandardError.BaseStream)).ConfigureAwait(false); }
        catch (IOException) { }
        finally { gate.Dispose(); }
    }

    private async Task StopLockedAsync(CancellationToken cancellationToken)
    {
        var process = _process;
        if (process is null) return;
        if (!process.HasExited && _qmp is not null)
        {
            try { await _qmp.ExecuteAsync("quit", null, _options.QmpTimeout, cancellationToken).ConfigureAwait(false); }
            catch (QmpException) { }
        }
        if (_qmp is not null) { await _qmp.DisposeAsync().ConfigureAwait(false); _qmp = null; }
        using (var wait = new CancellationTokenSource(_options.QmpTimeout))
        {
            try { await process.WaitForExitAsync(wait.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { process.Kill(entireProcessTree: true); await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false); }
        }
        if (_consolePump is not null) await _consolePump.ConfigureAwait(false);
        process.Dispose();
        _process = null;
        _consolePump = null;
    }
}
