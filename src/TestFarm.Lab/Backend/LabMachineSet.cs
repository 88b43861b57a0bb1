using TestFarm.Core.Hardware;
using TestFarm.Core.Plans;
using TestFarm.Lab.Machines;
using TestFarm.Provisioning.Image;

namespace TestFarm.Lab.Backend;

/// <summary>The lab's machines: simulated ones (a profile each) and how many QEMU machines of each architecture, with their profiles.</summary>
public sealed record LabMachineChoice
{
    public IReadOnlyList<HardwareProfile> Simulated { get; init; } = [];
    public int QemuMachines { get; init; }
    public HardwareProfile? QemuProfile { get; init; }
    public int QemuArm64Machines { get; init; }
    public HardwareProfile? QemuArm64Profile { get; init; }
}

/// <summary>What the lab is asked for beyond the plans it must run.</summary>
public sealed record LabMachineRequest
{
    /// <summary>The checkout holding .tools/ (to tell whether arm64 QEMU machines can boot here).</summary>
    public required string Root { get; init; }
    /// <summary>Spare machines per profile on top of what the plans need.</summary>
    public int SparesPerProfile { get; init; } = 1;
    /// <summary>amd64 QEMU machines (profile lab-qemu-amd64); null: 1 when QEMU is installed and a plan has such cells.</summary>
    public int? QemuMachines { get; init; }
    /// <summary>arm64 QEMU machines (profile lab-qemu-arm64); null: 1 when the arm64 boot chain is installed and a plan has such cells.</summary>
    public int? QemuArm64Machines { get; init; }
    /// <summary>Simulated machines in all; null: what the plans need plus spares. Extra ones are spread over the profiles.</summary>
    public int? Machines { get; init; }
}

/// <summary>The one place that decides the lab's machines, for <c>lab nightly</c> and <c>serve --lab</c> alike.</summary>
public static class LabMachineSet
{
    public const string QemuProfileName = "lab-qemu-amd64";
    public const string QemuArm64ProfileName = "lab-qemu-arm64";

    /// <summary>
    /// Per profile, what the most demanding of <paramref name="plans"/> needs when all its cells run at once (their machines
    /// plus the plan's spares), plus <see cref="LabMachineRequest.SparesPerProfile"/>; the QEMU machines stand in for that many
    /// lab-qemu-amd64 and lab-qemu-arm64 ones. Throws <see cref="LabSetupException"/> naming what is missing.
    /// </summary>
    public static LabMachineChoice Decide(IReadOnlyList<Plan> plans, IReadOnlyDictionary<string, HardwareProfile> profiles, LabMachineRequest request)
    {
        ArgumentNullException.ThrowIfNull(plans);
        ArgumentNullException.ThrowIfNull(profiles);
        ArgumentNullException.ThrowIfNull(request);
        var need = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var plan in plans)
        {
            foreach (var group in MatrixExpander.Expand(plan, profiles.Values).GroupBy(c => c.Profile, StringComparer.Ordinal))
                need[group.Key] = Math.Max(need.GetValueOrDefault(group.Key), group.Sum(c => c.Topology.Roles.Sum(r => r.Count)) + plan.Spares);
        }
        var qemu = request.QemuMachines ?? (QemuOptions.IsAvailable() && need.ContainsKey(QemuProfileName) ? 1 : 0);
        var qemuArm64 = request.QemuArm64Machines ?? (Arm64QemuMissing(request.Root) is null && need.ContainsKey(QemuArm64ProfileName) ? 1 : 0);
        var standIns = new Dictionary<string, int>(StringComparer.Ordinal) { [QemuProfileName] = qemu, [QemuArm64ProfileName] = qemuArm64 };
        var perProfile = need.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (Profile: profiles[kv.Key], Count: Math.Max(0, kv.Value + request.SparesPerProfile - standIns.GetValueOrDefault(kv.Key))))
            .ToList();
        var needed = perProfile.Sum(p => p.Count);
        if (request.Machines is { } wanted)
        {
            if (wanted < needed)
                throw new LabSetupException($"--machines {wanted}: {(plans.Count == 1 ? "plan" : "plans")} {string.Join(", ", plans.Select(p => p.Name))} {(plans.Count == 1 ? "needs" : "need")} at least {needed} simulated machines "
                    + $"({string.Join(", ", perProfile.Select(p => $"{p.Count}× {p.Profile.Name}"))}, spares included)");
            for (var i = 0; perProfile.Count > 0 && i < wanted - needed; i++)
                perProfile[i % perProfile.Count] = perProfile[i % perProfile.Count] with { Count = perProfile[i % perProfile.Count].Count + 1 };
        }
        return new LabMachineChoice
        {
            Simulated = [.. perProfile.SelectMany(p => Enumerable.Repeat(p.Profile, p.Count))],
            QemuMachines = qemu,
            QemuProfile = qemu > 0 ? QemuProfile(profiles, QemuProfileName, "--qemu 0") : null,
            QemuArm64Machines = qemuArm64,
            QemuArm64Profile = qemuArm64 > 0 ? QemuProfile(profiles, QemuArm64ProfileName, "--qemu-arm64 0") : null,
        };
    }

    /// <summary>
    /// Why arm64 QEMU machines could not network-boot here (null when they can): the aarch64 emulator, the UEFI
    /// firmware, GRUB's network loader and the arm64 kernel and busybox, all installed by scripts/install-deps.sh.
    /// </summary>
    public static string? Arm64QemuMissing(string root)
    {
        var image = LabImageOptions.Defaults(CpuArchitecture.Arm64, Path.GetTempPath(), Path.Combine(root, ".tools"));
        var grub = Path.Combine(root, QemuOptions.DefaultGrubDirectory, QemuOptions.GrubLoader);
        return !QemuOptions.IsAvailable(QemuOptions.DefaultBinary(CpuArchitecture.Arm64)) ? "qemu-system-aarch64 is not on PATH (apt-get install qemu-system-arm)"
            : !File.Exists(QemuOptions.DefaultUefiCode) ? $"no UEFI firmware at {QemuOptions.DefaultUefiCode} (apt-get install qemu-efi-aarch64)"
            : !File.Exists(grub) ? $"no GRUB network loader at {grub} (run scripts/install-deps.sh)"
            : !File.Exists(Path.Combine(image.KernelDir, "vmlinuz")) || !File.Exists(image.Busybox) ? $"no arm64 kernel or busybox under {image.KernelDir} (run scripts/install-deps.sh)"
            : null;
    }

    private static HardwareProfile QemuProfile(IReadOnlyDictionary<string, HardwareProfile> profiles, string name, string without) =>
        profiles.GetValueOrDefault(name)
        ?? throw new LabSetupException($"QEMU lab machines need the hardware profile {name} in hardware-profiles/ (or run with {without})");
}
