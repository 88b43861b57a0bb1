using System.Security.Cryptography;
using System.Text;

namespace TestFarm.Core.Provisioning;

/// <summary>Digest of an image as a whole, so "the machine runs this image" is one comparison.</summary>
public static class ImageDigest
{
    public static string Of(BootImage image)
    {
        var text = new StringBuilder();
        foreach (var a in image.Artifacts)
            text.Append(a.Kind).Append(':').Append(a.Sha256).Append('\n');
        text.Append("cmdline:").Append(image.Cmdline).Append('\n');
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
