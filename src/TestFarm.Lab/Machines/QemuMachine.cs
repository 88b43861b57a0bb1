using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using TestFarm.Lab.Consoles;

namespace TestFarm.Lab.Machines;

/// <summary>
/// A lab machine that is a real QEMU process: amd64 (<c>qemu-system-x86_64</c>, q35, TCG or KVM, iPXE) or
/// arm64 (<c>qemu-system-aarch64</c>, virt, TCG, AAVMF UEFI PXE then GRUB), virtio-net on QEMU's user
/// network with TFTP, virtio disks (<see cref="DiskPaths"/>). Power on starts the process; ForceOff and restart go through QMP
/// (<c>quit</c>, then a new process for the new boot device); the guest's own power off ends the
/// process (<c>-no-reboot</c>) and counts as Off. Serial console appended to <see cref="ConsoleLogPath"/> and kept in
/// <see cref="Output"/>; input to it goes to QEMU's stdin (<see cref="WriteConsoleAsync"/>).
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
        _binary = QemuOptions.FindOnPath(options.EffectiveBinary)
                  ?? throw new FileNotFoundException($"QEMU binary '{options.EffectiveBinary}' not found on PATH");
        QemuArguments.CheckPrerequisites(options);
        Directory.CreateDirectory(options.WorkDirectory);
        ConsoleLogPath = Path.Combine(options.WorkDirectory, "console.log");
        TftpDirectory = Path.Combine(options.WorkDirectory, "tftp");
        DiskPaths = [.. options.DiskBytes.Select((_, i) => Path.Combine(options.WorkDirectory, $"disk{i}.raw"))];
        Directory.CreateDirectory(TftpDirectory);
    }

    public QemuOptions Options => _options;

    /// <summary>What a BMC of this machine reports: QEMU's board, the CPUs, memory and the virtio NIC.</summary>
    public TestFarm.Core.Bmc.ObservedHardware Inventory => new()
    {
        Manufacturer = "QEMU",
        Model = _options.Arch == TestFarm.Core.Hardware.CpuArchitecture.Arm64 ? "virt" : "q35",
        ProcessorCount = 1,
        CoreCount = _options.Cpus,
        MemoryGiB = _options.MemoryMiB / 1024.0,
        Nics = [new TestFarm.Core.Bmc.ObservedNic { Id = "0", Mac = _options.Mac }],
    };

    public MachinePowerState PowerState => _process is { HasExited: false } ? MachinePowerState.On : MachinePowerState.Off;
    public MachinePhase Phase => PowerState == MachinePowerState.On ? MachinePhase.Running : MachinePhase.Off;
    public BootDevice CurrentBoot { get; private set; } = BootDevice.None;
    public string ConsoleLogPath { get; }
    /// <summary>The serial console's newest output, and its followers (the farm's console panel).</summary>
    public ConsoleBuffer Output { get; } = new();
    public string TftpDirectory { get; }
    /// <summary>The raw virtio disks, one per <see cref="QemuOptions.DiskBytes"/> entry (sparse until written).</summary>
    public IReadOnlyList<string> DiskPaths { get; }
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

    /// <summary>
    /// Types <paramref name="input"/> into the serial console (QEMU's stdin, where <c>-nographic</c> puts the serial port).
    /// Ctrl-A, QEMU's escape to its monitor, is doubled so it reaches the guest as typed.
    /// </summary>
    public async ValueTask WriteConsoleAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_process is not { HasExited: false } process)
                throw new Core.Machines.ConsoleUnavailableException($"QEMU machine {Path.GetFileName(_options.WorkDirectory)} is powered off: its serial console takes no input (power it on first)");
            var bytes = input.Span.IndexOf((byte)0x01) < 0 ? input.ToArray() : [.. input.ToArray().SelectMany(b => b == 0x01 ? new byte[] { 0x01, 0x01 } : [b])];
            var stdin = process.StandardInput.BaseStream;
            try
            {
                await stdin.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new Core.Machines.ConsoleUnavailableException($"QEMU machine {Path.GetFileName(_options.WorkDirectory)}: its serial console is closed ({e.Message})");
            }
        }
        finally { _gate.Release(); }
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
        await QemuArguments.PrepareTftpAsync(_options, TftpDirectory, cancellationToken).ConfigureAwait(false);
        var paths = new QemuArguments.Paths(TftpDirectory, QmpSocket, DiskPaths, Path.Combine(_options.WorkDirectory, "efivars.fd"));
        QemuArguments.PrepareDisks(_options, paths);

        var args = QemuArguments.Build(_options, paths, boot.Device, iso, _options.UseKvmIfAvailable && KvmUsable());
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
            // QEMU is a real process on the wall clock.
            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        while (true)
        {
            try
            {
                _qmp = await QmpClient.ConnectAsync(QmpSocket, _options.QmpTimeout, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (QmpException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
                && !process.HasExited && Stopwatch.GetElapsedTime(started) <= _options.QmpTimeout)
            {
                // The socket file exists from QEMU's bind, before its listen: a loaded host shows the gap.
                await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
        }
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
        // The QEMU machine's own download, as the BMC of a real machine fetches virtual media: not the farm's client.
        using var http = LabHost.LabHttp.Create(_options.MediaDownloadTimeout);
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
            var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
            var decoder = Encoding.UTF8.GetDecoder(); // a character split across reads is kept whole
            int read;
            while ((read = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                await gate.WaitAsync().ConfigureAwait(false);
                try
                {
                    await log.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
                    Output.Append(new string(chars, 0, decoder.GetChars(buffer, 0, read, chars, 0)));
                }
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
        using (var wait = new CancellationTokenSource(_options.QmpTimeout, TimeProvider.System))
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
