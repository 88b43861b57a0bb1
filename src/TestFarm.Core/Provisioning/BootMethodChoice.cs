using TestFarm.Core.Hardware;

namespace TestFarm.Core.Provisioning;

/// <summary>Picks how a machine boots an image: the profile's methods in the farm's fallback order.</summary>
public static class BootMethodChoice
{
    /// <summary>pxe → http → virtual-media.</summary>
    public static readonly IReadOnlyList<BootMethod> FallbackOrder = [BootMethod.Pxe, BootMethod.Http, BootMethod.VirtualMedia];

    /// <summary>
    /// The methods to try, best first: those the profile declares, that the image can serve (an ISO
    /// for virtual media, kernel + initrd for network boots), minus those already failed.
    /// </summary>
    public static IReadOnlyList<BootMethod> Candidates(HardwareProfile profile, BootImage image, IEnumerable<BootMethod>? failed = null)
    {
        var skip = failed?.ToHashSet() ?? [];
        return FallbackOrder
            .Where(m => profile.Boot.Methods.Contains(m) && !skip.Contains(m) && CanServe(image, m))
            .ToList();
    }

    public static bool CanServe(BootImage image, BootMethod method) => method switch
    {
        BootMethod.VirtualMedia => image.Artifact(ArtifactKind.Iso) is not null,
        _ => image.Artifact(ArtifactKind.Kernel) is not null && image.Artifact(ArtifactKind.Initrd) is not null,
    };

    /// <summary>UEFI when the profile allows it, else legacy.</summary>
    public static BootMode Mode(HardwareProfile profile) =>
        profile.Boot.Modes.Contains(BootMode.Uefi) || profile.Boot.Modes.Count == 0 ? BootMode.Uefi : BootMode.Legacy;
}
