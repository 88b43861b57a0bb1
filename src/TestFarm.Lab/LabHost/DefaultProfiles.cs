using TestFarm.Core.Hardware;

namespace TestFarm.Lab.LabHost;

/// <summary>Profiles the lab uses when the caller gives none.</summary>
public static class DefaultProfiles
{
    /// <summary>What a lab QEMU machine really is: q35, one vCPU, 512 MiB, one virtio NIC, no disk.</summary>
    public static HardwareProfile QemuAmd64 { get; } = new()
    {
        Name = "lab-qemu-amd64",
        Arch = CpuArchitecture.Amd64,
        Cpu = new CpuSpec { Vendor = "QEMU", Model = "QEMU Virtual CPU", Sockets = 1, Cores = 1 },
        MemoryGiB = 1,
        Nics = [new NicSpec { Vendor = "Red Hat", Model = "Virtio network device", Driver = "virtio_net", SpeedGbps = 1, Role = NicRole.Provisioning }],
        Firmware = new FirmwareSpec { Bios = "SeaBIOS", Bmc = "testfarm-lab", Nic = "iPXE" },
        Boot = new BootSpec { Modes = [BootMode.Legacy], Methods = [BootMethod.Pxe, BootMethod.VirtualMedia] },
    };

    /// <summary>An arm64 lab QEMU machine: virt, one cortex-a57 vCPU, one virtio NIC, AAVMF UEFI network boot.</summary>
    public static HardwareProfile QemuArm64 { get; } = QemuAmd64 with
    {
        Name = "lab-qemu-arm64",
        Arch = CpuArchitecture.Arm64,
        Cpu = new CpuSpec { Vendor = "QEMU", Model = "cortex-a57", Sockets = 1, Cores = 1 },
        Firmware = new FirmwareSpec { Bios = "AAVMF", Bmc = "testfarm-lab", Nic = "UEFI PXE" },
        Boot = new BootSpec { Modes = [BootMode.Uefi], Methods = [BootMethod.Pxe] },
    };

    /// <summary>A plain two-socket x86 server with two NICs and NVMe for OS plus Ceph.</summary>
    public static HardwareProfile GenericAmd64 { get; } = new()
    {
        Name = "lab-generic-amd64",
        Arch = CpuArchitecture.Amd64,
        Cpu = new CpuSpec { Vendor = "Intel", Model = "Xeon Gold 6330", Sockets = 2, Cores = 28 },
        MemoryGiB = 256,
        Nics =
        [
            new NicSpec { Vendor = "Intel", Model = "X710", Driver = "i40e", SpeedGbps = 10, Ports = 2, Role = NicRole.Provisioning },
            new NicSpec { Vendor = "Mellanox", Model = "ConnectX-6 Dx", Driver = "mlx5_core", SpeedGbps = 100, Ports = 2, Role = NicRole.Data },
        ],
        Storage =
        [
            new StorageSpec { Kind = StorageKind.Ssd, SizeGB = 480, Count = 2, Role = StorageRole.Os },
            new StorageSpec { Kind = StorageKind.Nvme, SizeGB = 3840, Count = 4, Role = StorageRole.RookOsd },
        ],
        Firmware = new FirmwareSpec { Bios = "2.1.4", Bmc = "5.10", Nic = "22.31" },
    };
}
