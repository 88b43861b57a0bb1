using System.Collections.Concurrent;
using System.Security.Cryptography;
using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning.Boot;

/// <summary>Local files the boot service serves, addressed by SHA-256 (content-addressed, so cacheable).</summary>
public sealed class BootArtifacts
{
    private readonly ConcurrentDictionary<string, string> _paths = new(StringComparer.Ordinal);

    /// <summary>Registers every artifact of an image found in <paramref name="directory"/> by its name; checks lengths and digests.</summary>
    public void AddImage(BootImage image, string directory)
    {
        ArgumentNullException.ThrowIfNull(image);
        foreach (var a in image.Artifacts.Where(a => a.ExternalUrl is null))
            Add(a, Path.Combine(directory, a.Name));
    }

    public void Add(ImageArtifact artifact, string path)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"boot artifact {artifact.Name} not found at {path}", path);
        if (artifact.Length > 0 && info.Length != artifact.Length)
            throw new InvalidDataException($"{path}: length {info.Length}, catalogue says {artifact.Length}");
        var digest = Sha256Of(path);
        if (!string.Equals(digest, artifact.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path}: sha256 {digest}, catalogue says {artifact.Sha256}");
        _paths[artifact.Sha256.ToLowerInvariant()] = Path.GetFullPath(path); // Results.File resolves relative paths against the web root
    }

    public string? PathOf(string sha256) => _paths.GetValueOrDefault(sha256.ToLowerInvariant());

    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
