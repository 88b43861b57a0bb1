namespace TestFarm.Provisioning.Qemu;

/// <summary>A minimal QEMU x86_64 machine that network-boots through iPXE over user-mode networking.</summary>
public sealed record QemuMachineOptions
{
    public required string MachineId { get; init; }
    /// <summary>MAC of the virtio NIC, lower case, colon separated.</summary>
    public required string Mac { get; init; }
    /// <summary>Working folder: TFTP root (with the chain script), disk image, console log.</summary>
    public required string WorkDir { get; init; }
    /// <summary>Base URL of the boot service as the guest sees it (the host is 10.0.2.2).</summary>
    public required Uri BootServiceFromGuest { get; init; }
    public int MemoryMiB { get; init; } = 1024;
    public int Cpus { get; init; } = 1;
    /// <summary>Size of a virtio scratch disk (0: none).</summary>
    public int DiskMiB { get; init; } = 64;
    public string QemuBinary { get; init; } = "qemu-system-x86_64";
    /// <summary>
    /// Accelerator: <c>tcg</c> by default (here /dev/kvm opens but nested KVM hangs the guest's
    /// firmware); set <c>TESTFARM_QEMU_ACCEL=kvm</c> where KVM really works.
    /// </summary>
    public string Accel { get; init; } = Environment.GetEnvironmentVariable("TESTFARM_QEMU_ACCEL") is { Length: > 0 } a ? a : "tcg";

    public string ConsoleLog => Path.Combine(WorkDir, "console.log");
    public string DiskPath => Path.Combine(WorkDir, "disk.raw");
    public string TftpDir => Path.Combine(WorkDir, "tftp");
}
