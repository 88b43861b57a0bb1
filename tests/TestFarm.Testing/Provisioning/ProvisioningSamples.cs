using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;

namespace TestFarm.Testing.Provisioning;

/// <summary>Small machines, profiles and images for provisioning tests.</summary>
public static class ProvisioningSamples
{
    /// <summary>The lab's QEMU machine: 1 vCPU, 1 GiB, one virtio NIC, one small virtio disk.</summary>
    public static HardwareProfile QemuProfile { get; } = new()
    {
        Name = "qemu-lab",
        Arch = CpuArchitecture.Amd64,
        Cpu = new CpuSpec { Vendor = "QEMU", Model = "qemu64", Sockets = 1, Cores = 1 },
        MemoryGiB = 1,
        Nics = [new NicSpec { Vendor = "Red Hat", Model = "virtio-net", Driver = "virtio_net", SpeedGbps = 1, Role = NicRole.Provisioning }],
        Storage = [new StorageSpec { Kind = StorageKind.Hdd, SizeGB = 1, Role = StorageRole.Scratch }],
        Boot = new BootSpec { Modes = [BootMode.Legacy], Methods = [BootMethod.Pxe] },
    };

    public static PoolMachine Machine(string id = "m1", string mac = "52:54:00:12:34:56") => new()
    {
        Id = id,
        Profile = QemuProfile.Name,
        ProvisioningMac = mac,
        Bmc = new BmcEndpoint { Url = new Uri($"http://127.0.0.1:1/bmc/{id}"), Credentials = new CredentialReference { User = "admin", PasswordEnv = "TESTFARM_LAB_BMC_PASSWORD" } },
    };

    public static BootImage Image(string buildId = "build-42", bool iso = false) => new()
    {
        Name = "lab",
        BuildId = buildId,
        Cmdline = "console=ttyS0",
        Artifacts = iso
            ? [new ImageArtifact { Name = "lab.iso", Kind = ArtifactKind.Iso, Sha256 = new string('c', 64) }]
            : [
                new ImageArtifact { Name = "vmlinuz", Kind = ArtifactKind.Kernel, Sha256 = new string('a', 64) },
                new ImageArtifact { Name = "initrd.img", Kind = ArtifactKind.Initrd, Sha256 = new string('b', 64) },
            ],
    };
}
