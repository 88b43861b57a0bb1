using TestFarm.Lab.Bmc;
using TestFarm.Lab.Machines;

namespace TestFarm.Lab.LabHost;

/// <summary>What lab to start: how many machines of each backend, on which addresses and port, with which credentials.</summary>
public sealed record LabOptions
{
    /// <summary>Simulated machines, named <c>sim-0001</c>…; profiles assigned round robin.</summary>
    public int SimulatedMachines { get; init; } = 3;
    /// <summary>QEMU machines, named <c>qemu-01</c>…; they use <see cref="QemuProfile"/>.</summary>
    public int QemuMachines { get; init; }
    /// <summary>
    /// TCP port of every BMC (on its own address in <see cref="BmcNetwork"/>) and of the admin API on 127.0.0.1;
    /// 0 picks one that is free on 127.0.0.1 (the admin listener holds it, so two labs never share a port).
    /// </summary>
    public int Port { get; init; }
    /// <summary>
    /// Loopback range the BMCs' addresses come from, one per machine in order (see <see cref="LabHost.BmcNetwork"/>):
    /// default <c>127.0.100.0/22</c>, 1,022 BMCs. Must stay clear of 127.0.0.1 and the MetalLB range 127.0.10.0/24.
    /// </summary>
    public string BmcNetwork { get; init; } = LabHost.BmcNetwork.Default;
    public string User { get; init; } = "admin";
    public required string Password { get; init; }
    /// <summary>
    /// Host-side URL of the boot script a machine fetches on a Pxe boot, with <c>?mac=</c> appended (the farm's
    /// <c>/boot/v1/ipxe</c>): QEMU machines' iPXE chains to it, simulated machines' agents fetch it.
    /// </summary>
    public Uri? BootUrl { get; init; }
    /// <summary>Folder for QEMU consoles, sockets and TFTP roots; a temp folder when null.</summary>
    public string? WorkDirectory { get; init; }
    public string QemuBinary { get; init; } = "qemu-system-x86_64";
    /// <summary>Let QEMU machines use KVM when /dev/kvm opens (TCG otherwise).</summary>
    public bool UseKvm { get; init; }
    public Core.Hardware.HardwareProfile QemuProfile { get; init; } = DefaultProfiles.QemuAmd64;
    /// <summary>
    /// arm64 QEMU machines, named <c>qemu-a64-01</c>…, with <see cref="QemuArm64Profile"/>: UEFI PXE loads GRUB from
    /// <see cref="GrubDirectory"/>, which sources <see cref="GrubBootUrl"/>.
    /// </summary>
    public int QemuArm64Machines { get; init; }
    public Core.Hardware.HardwareProfile QemuArm64Profile { get; init; } = DefaultProfiles.QemuArm64;
    /// <summary>Host-side URL of the farm's GRUB entry (<c>/boot/v1/grub</c>), for arm64 QEMU machines.</summary>
    public Uri? GrubBootUrl { get; init; }
    /// <summary>Folder with GRUB's arm64 network loader (see <see cref="QemuOptions.GrubDirectory"/>).</summary>
    public string GrubDirectory { get; init; } = QemuOptions.DefaultGrubDirectory;
    /// <summary>Durations per profile name; <see cref="DefaultTimings"/> for the rest.</summary>
    public IReadOnlyDictionary<string, SimulatedTimings> Timings { get; init; } = new Dictionary<string, SimulatedTimings>();
    public SimulatedTimings DefaultTimings { get; init; } = SimulatedTimings.Default;
    /// <summary>Simulated machines take their profile's <c>firmware.postSeconds</c> as POST (off: the timings' own POST).</summary>
    public bool PostFromProfiles { get; init; }
    /// <summary>Faults per machine id, applied at start (and changeable through the admin endpoint).</summary>
    public IReadOnlyDictionary<string, FaultSettings> Faults { get; init; } = new Dictionary<string, FaultSettings>();
    /// <summary>Site/rack/L2 domain written into the pool file.</summary>
    public string Site { get; init; } = "lab";

    /// <summary>Every wrong value, named with the option and the value.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (SimulatedMachines < 0) errors.Add($"SimulatedMachines must not be negative, was {SimulatedMachines}");
        if (QemuMachines < 0) errors.Add($"QemuMachines must not be negative, was {QemuMachines}");
        if (QemuArm64Machines < 0) errors.Add($"QemuArm64Machines must not be negative, was {QemuArm64Machines}");
        if (QemuArm64Machines > 0 && GrubBootUrl is null) errors.Add("GrubBootUrl is needed for arm64 QEMU machines (they boot through GRUB)");
        if (SimulatedMachines + QemuMachines + QemuArm64Machines > 65535)
            errors.Add($"at most 65535 machines, was {SimulatedMachines + QemuMachines + QemuArm64Machines}");
        if (LabHost.BmcNetwork.TryParse(BmcNetwork, SimulatedMachines + QemuMachines + QemuArm64Machines, out var networkError) is null) errors.Add(networkError!);
        if (Port is < 0 or > 65535) errors.Add($"Port must be within 0..65535, was {Port}");
        if (string.IsNullOrEmpty(User)) errors.Add("User must not be empty");
        if (string.IsNullOrEmpty(Password)) errors.Add("Password must not be empty");
        foreach (var (id, faults) in Faults)
            errors.AddRange(faults.Validate().Select(e => $"Faults[{id}]: {e}"));
        return errors;
    }
}
