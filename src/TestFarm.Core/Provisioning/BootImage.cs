using TestFarm.Core.Hardware;

namespace TestFarm.Core.Provisioning;

/// <summary>One bootable build in the image catalogue: what to boot and how to check it booted.</summary>
public sealed record BootImage
{
    public required string Name { get; init; }
    /// <summary>The build under test; the boot agent reports it back and it must match.</summary>
    public required string BuildId { get; init; }
    public CpuArchitecture Arch { get; init; } = CpuArchitecture.Amd64;
    public IReadOnlyList<ImageArtifact> Artifacts { get; init; } = [];
    /// <summary>Kernel command line; the farm appends its callback parameters.</summary>
    public string Cmdline { get; init; } = "";

    public ImageArtifact? Artifact(ArtifactKind kind) => Artifacts.FirstOrDefault(a => a.Kind == kind);

    /// <summary>One digest for the whole image: SHA-256 over the artifacts' kinds and digests, in order.</summary>
    public string Digest => ImageDigest.Of(this);
}

public enum ArtifactKind { Kernel, Initrd, Iso, DiskImage }

public sealed record ImageArtifact
{
    /// <summary>File name as served, e.g. <c>vmlinuz</c>.</summary>
    public required string Name { get; init; }
    public required ArtifactKind Kind { get; init; }
    /// <summary>Lower-case hex SHA-256 of the content.</summary>
    public required string Sha256 { get; init; }
    public long Length { get; init; }
    /// <summary>Served from elsewhere; null when the farm's boot service serves it.</summary>
    public Uri? ExternalUrl { get; init; }
}

/// <summary>The images the farm can boot, by name and build id.</summary>
public sealed record ImageCatalogue
{
    public IReadOnlyList<BootImage> Images { get; init; } = [];

    public BootImage? Find(string name, string? buildId = null) =>
        Images.LastOrDefault(i => i.Name == name && (buildId is null || i.BuildId == buildId));

    public ImageCatalogue With(BootImage image) =>
        new() { Images = [.. Images.Where(i => !(i.Name == image.Name && i.BuildId == image.BuildId)), image] };
}
