using System.Globalization;
using TestFarm.Core.Hardware;

namespace TestFarm.Lab.Machines;

/// <summary>The QEMU command line and the TFTP root of a lab machine, per architecture.</summary>
internal static class QemuArguments
{
    private const string GrubLoader = QemuOptions.GrubLoader;

    /// <summary>Files the machine needs before it can start; names the missing one.</summary>
    public static void CheckPrerequisites(QemuOptions options)
    {
        if (options.Arch != CpuArchitecture.Arm64) return;
        foreach (var (path, what) in new[]
                 {
                     (options.UefiCode, "UEFI code (apt-get install qemu-efi-aarch64)"),
                     (options.UefiVarsTemplate, "UEFI variables template (apt-get install qemu-efi-aarch64)"),
                     (Path.Combine(options.GrubDirectory, GrubLoader), "GRUB network loader (scripts/install-deps.sh)"),
                     (Path.Combine(options.GrubDirectory, "http.mod"), "GRUB http module (scripts/install-deps.sh)"),
                     (options.Forwarder, "busybox for the boot-service forward (apt-get install busybox-static)"),
                 })
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"arm64 lab machine: {what} not found at {path}", path);
        }
    }

    /// <summary>Writes what the firmware fetches by TFTP: iPXE's chain script, or GRUB with its http module and grub.cfg.</summary>
    public static async Task PrepareTftpAsync(QemuOptions options, string tftp, CancellationToken cancellationToken)
    {
        if (options.Arch != CpuArchitecture.Arm64)
        {
            if (options.BootUrl is not null)
                await File.WriteAllTextAsync(Path.Combine(tftp, "chain.ipxe"), QemuOptions.ChainScript(options.BootUrl), cancellationToken).ConfigureAwait(false);
            return;
        }
        var modules = Path.Combine(tftp, "grub", "arm64-efi");
        Directory.CreateDirectory(modules);
        File.Copy(Path.Combine(options.GrubDirectory, GrubLoader), Path.Combine(tftp, GrubLoader), overwrite: true);
        File.Copy(Path.Combine(options.GrubDirectory, "http.mod"), Path.Combine(modules, "http.mod"), overwrite: true);
        if (options.BootUrl is not null)
            await File.WriteAllTextAsync(Path.Combine(tftp, "grub", "grub.cfg"), QemuOptions.GrubChainConfig(options.BootUrl), cancellationToken).ConfigureAwait(false);
    }

    public static List<string> Build(QemuOptions options, Paths paths, BootDevice device, string? iso, bool kvm)
    {
        var network = device is BootDevice.Pxe or BootDevice.UefiHttp;
        var memory = options.MemoryMiB.ToString(CultureInfo.InvariantCulture);
        var cpus = options.Cpus.ToString(CultureInfo.InvariantCulture);
        List<string> args;
        string netdev;
        if (options.Arch == CpuArchitecture.Arm64)
        {
            args =
            [
                "-machine", "virt,accel=tcg", "-cpu", "cortex-a57",
                "-drive", $"if=pflash,format=raw,readonly=on,file={options.UefiCode}",
                "-drive", $"if=pflash,format=raw,file={paths.UefiVars}",
            ];
            // Without a boot file the firmware's PXE finds nothing: the machine does not network-boot.
            netdev = $"user,id=n0,tftp={paths.Tftp}" + (network ? $",bootfile={GrubLoader}" : "");
            if (options.BootUrl is not null) netdev += "," + options.GuestForward(options.BootUrl);
        }
        else
        {
            args = ["-machine", $"q35,accel={(kvm ? "kvm" : "tcg")}"];
            netdev = $"user,id=n0,tftp={paths.Tftp},bootfile=chain.ipxe";
        }
        args.AddRange(["-m", memory, "-smp", cpus, "-nographic", "-no-reboot", "-qmp", $"unix:{paths.QmpSocket},server=on,wait=off"]);
        // arm64: no option ROM (QEMU's efi-virtio.rom is x86 iPXE); the firmware's own virtio driver boots.
        args.AddRange(["-netdev", netdev, "-device", $"virtio-net-pci,netdev=n0,mac={options.Mac}" + (options.Arch == CpuArchitecture.Arm64 ? ",romfile=" : "")]);
        foreach (var disk in paths.Disks) args.AddRange(["-drive", $"file={disk},format=raw,if=virtio"]);
        if (iso is not null) args.AddRange(["-cdrom", iso]);
        if (options.Arch != CpuArchitecture.Arm64)
        {
            args.Add("-boot");
            args.Add(network ? "order=n" : device == BootDevice.Cd ? "order=d" : "order=c");
        }
        return args;
    }

    /// <summary>Creates the disks (sparse: they cost nothing until written) and the per-machine UEFI variables if missing.</summary>
    public static void PrepareDisks(QemuOptions options, Paths paths)
    {
        foreach (var (path, bytes) in paths.Disks.Zip(options.DiskBytes))
        {
            if (File.Exists(path)) continue;
            using var disk = File.Create(path);
            disk.SetLength(bytes);
        }
        if (options.Arch == CpuArchitecture.Arm64 && !File.Exists(paths.UefiVars))
            File.Copy(options.UefiVarsTemplate, paths.UefiVars);
    }

    public sealed record Paths(string Tftp, string QmpSocket, IReadOnlyList<string> Disks, string UefiVars);
}
