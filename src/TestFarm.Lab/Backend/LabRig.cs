using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using TestFarm.Core.Hardware;
using TestFarm.Core.Provisioning;
using TestFarm.Lab.LabHost;
using TestFarm.Lab.Machines;
using TestFarm.Orchestration.Backends;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Image;

namespace TestFarm.Lab.Backend;

/// <summary>
/// The lab's start, which DI cannot do: the network-boot image (and its arm64 twin), the farm's boot service bound on
/// loopback, and the virtual BMCs over simulated and QEMU machines. Disposing stops the lab (and every QEMU it started).
/// </summary>
internal sealed class LabRig(LabMachinesOptions options, BootServiceListener boot, BootArtifacts artifacts, TimeProvider time, ILoggerFactory loggers)
    : IFarmStart, IAsyncDisposable
{
    private VirtualLab? _lab;
    private FarmMachines? _machines;
    private ImageCatalogue? _images;

    /// <summary>The lab BMCs' password, made fresh for each lab; the Redfish client reads it as TESTFARM_LAB_BMC_PASSWORD.</summary>
    public string Password { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));

    public VirtualLab Lab => _lab ?? throw NotStarted();
    public FarmMachines Machines => _machines ?? throw NotStarted();
    public ImageCatalogue Images => _images ?? throw NotStarted();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var choice = options.Machines;
        var image = await BuildImageAsync(cancellationToken);
        var arm64 = choice.Simulated.Any(m => m.Arch == CpuArchitecture.Arm64) || choice.QemuArm64Machines > 0 ? await BuildArm64ImageAsync(cancellationToken) : null;
        if (choice.QemuArm64Machines > 0 && LabMachineSet.Arm64QemuMissing(options.Root) is { } missing)
            throw new LabSetupException($"arm64 QEMU machines cannot boot: {missing}");
        artifacts.AddImage(image, Path.Combine(options.OutDirectory, "image"));
        if (arm64 is not null) artifacts.AddImage(arm64, Path.Combine(options.OutDirectory, "image-arm64"));
        await boot.StartAsync(cancellationToken);

        var qemuProfile = choice.QemuProfile ?? DefaultProfiles.QemuAmd64;
        var qemuArm64Profile = choice.QemuArm64Profile ?? DefaultProfiles.QemuArm64;
        _lab = await VirtualLab.StartAsync(new LabOptions
        {
            SimulatedMachines = choice.Simulated.Count,
            QemuMachines = choice.QemuMachines,
            QemuProfile = qemuProfile,
            QemuArm64Machines = choice.QemuArm64Machines,
            QemuArm64Profile = qemuArm64Profile,
            GrubBootUrl = new Uri(boot.LocalUrl, "/boot/v1/grub"),
            GrubDirectory = Path.Combine(options.Root, QemuOptions.DefaultGrubDirectory),
            WorkDirectory = Path.Combine(options.OutDirectory, "lab"), // QEMU consoles kept with the run
            Password = Password,
            BootUrl = new Uri(boot.PublicBaseUrl, "boot/v1/ipxe"),
            DefaultTimings = new SimulatedTimings { Post = TimeSpan.FromSeconds(2), Boot = TimeSpan.FromSeconds(3), Shutdown = TimeSpan.FromSeconds(1) },
        }, choice.Simulated, time, loggers, cancellationToken);
        _images = arm64 is null ? new ImageCatalogue().With(image) : new ImageCatalogue().With(image).With(arm64);
        _machines = new FarmMachines
        {
            Pool = _lab.ToPool(),
            Profiles = choice.Simulated
                .Concat(choice.QemuMachines > 0 ? [qemuProfile] : [])
                .Concat(choice.QemuArm64Machines > 0 ? [qemuArm64Profile] : [])
                .DistinctBy(p => p.Name).ToDictionary(p => p.Name, StringComparer.Ordinal),
            BuildId = image.BuildId,
            ArtifactsRoot = Path.Combine(options.OutDirectory, "cells"),
        };
    }

    private async Task<BootImage> BuildImageAsync(CancellationToken cancellationToken)
    {
        var kernel = Path.Combine(options.Root, ".tools", "kernel");
        if (!File.Exists(Path.Combine(kernel, "vmlinuz")))
            throw new LabSetupException($"no lab kernel at {kernel}: run scripts/install-deps.sh first");
        return await LabImageBuilder.BuildAsync(new LabImageOptions
        {
            KernelDir = kernel, OutDir = Path.Combine(options.OutDirectory, "image"), BuildId = options.BuildId,
        }, cancellationToken);
    }

    /// <summary>
    /// The arm64 twin of the image for the plan's arm64 machines, when scripts/install-deps.sh fetched the arm64
    /// kernel, busybox and kexec; without them the arm64 cells say "no image ... for Arm64" as an infra-error.
    /// </summary>
    private async Task<BootImage?> BuildArm64ImageAsync(CancellationToken cancellationToken)
    {
        var defaults = LabImageOptions.Defaults(CpuArchitecture.Arm64, Path.Combine(options.OutDirectory, "image-arm64"), Path.Combine(options.Root, ".tools"));
        if (!File.Exists(Path.Combine(defaults.KernelDir, "vmlinuz")) || !File.Exists(defaults.Busybox)
            || !File.Exists(Path.Combine(defaults.KexecRoot, "sbin", "kexec"))) return null;
        return await LabImageBuilder.BuildAsync(defaults with { BuildId = options.BuildId }, cancellationToken);
    }

    private static InvalidOperationException NotStarted() => new("the lab has not started yet");

    public async ValueTask DisposeAsync()
    {
        if (_lab is not null) await _lab.DisposeAsync();
        _lab = null;
    }
}
