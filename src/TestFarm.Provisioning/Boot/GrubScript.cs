using System.Text;
using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning.Boot;

/// <summary>
/// The per-machine GRUB script of a ticket, for UEFI machines without iPXE (arm64): firmware PXE
/// loads GRUB's network EFI loader by TFTP, its <c>grub.cfg</c> (<see cref="Chain"/>) sources this
/// script over HTTP, and the script fetches kernel and initrd over HTTP. GRUB 2.06 speaks HTTP on
/// port 80 only; the script fetches through <c>$tf</c>, the <c>(http,HOST)</c> device the chain set.
/// </summary>
public static class GrubScript
{
    public static string Render(BootTicket ticket, Uri publicBase)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentNullException.ThrowIfNull(publicBase);
        var image = ticket.Image;
        var script = new StringBuilder();
        script.Append("echo 'TestFarm: machine ").Append(ticket.MachineId).Append(" boots ").Append(image.Name)
              .Append(' ').Append(image.BuildId).Append("'\n");
        var kernel = image.Artifact(ArtifactKind.Kernel);
        var initrd = image.Artifact(ArtifactKind.Initrd);
        if (kernel is null || initrd is null)
            return Fail(script, $"image {image.Name} has no kernel and initrd: GRUB cannot boot it");
        var kernelPath = ArtifactPath(publicBase, kernel);
        var initrdPath = ArtifactPath(publicBase, initrd);
        if (kernelPath is null || initrdPath is null)
            return Fail(script, $"image {image.Name}: GRUB fetches only http on port 80 or from the boot service");
        var cmdline = string.Join(' ', new[] { image.Cmdline, IpxeScript.AgentCmdline(ticket, publicBase) }.Where(s => s.Length > 0));
        script.Append("if [ -z \"$tf\" ]; then set tf=(http,$net_default_server); fi\n");
        script.Append("linux ").Append(kernelPath).Append(' ').Append(cmdline).Append('\n');
        script.Append("initrd ").Append(initrdPath).Append('\n');
        script.Append("boot\n");
        return script.ToString();
    }

    /// <summary>
    /// The <c>grub.cfg</c> to serve by TFTP next to the loader: loads GRUB's http module, names the
    /// boot service's HTTP device (<paramref name="httpHost"/>, port 80) and sources the MAC-keyed script.
    /// </summary>
    public static string Chain(string httpHost, string scriptPath) =>
        "insmod http\n" +
        $"set tf=(http,{httpHost})\n" +
        "echo \"TestFarm lab: GRUB sources $tf" + scriptPath + "?mac=$net_default_mac\"\n" +
        $"source ${{tf}}{scriptPath}?mac=${{net_default_mac}}\n" +
        "echo 'TestFarm lab: no boot script; halting'\n" +
        "sleep 5\nhalt\n";

    /// <summary>The script a machine without a pending boot gets: says so and stops.</summary>
    public const string NoPendingBoot = "echo 'TestFarm: no pending boot'\nsleep 5\nhalt\n";

    private static string? ArtifactPath(Uri publicBase, ImageArtifact artifact)
    {
        if (artifact.ExternalUrl is { } url)
            return url.Scheme == Uri.UriSchemeHttp && url.Port == 80 ? $"(http,{url.Host}){url.PathAndQuery}" : null;
        return $"${{tf}}{publicBase.AbsolutePath.TrimEnd('/')}/boot/v1/artifacts/{artifact.Sha256}/{artifact.Name}";
    }

    private static string Fail(StringBuilder script, string reason) =>
        script.Append("echo 'TestFarm: ").Append(reason.Replace('\'', '"')).Append("'\nsleep 5\nhalt\n").ToString();
}
