using System.Text;
using TestFarm.Core.Provisioning;

namespace TestFarm.Provisioning.Boot;

/// <summary>Renders the per-machine iPXE script of a ticket and the kernel command line the agent reads.</summary>
public static class IpxeScript
{
    /// <summary>Kernel parameters the agent reads from /proc/cmdline.</summary>
    public static string AgentCmdline(BootTicket ticket, Uri publicBase) =>
        $"testfarm.url={publicBase.GetLeftPart(UriPartial.Authority)}{publicBase.AbsolutePath.TrimEnd('/')} " +
        $"testfarm.token={ticket.Token} testfarm.build={ticket.Image.BuildId} testfarm.machine={ticket.MachineId}";

    public static Uri ArtifactUrl(Uri publicBase, ImageArtifact artifact) =>
        artifact.ExternalUrl ?? new Uri($"{publicBase.ToString().TrimEnd('/')}/boot/v1/artifacts/{artifact.Sha256}/{artifact.Name}");

    public static string Render(BootTicket ticket, Uri publicBase)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var image = ticket.Image;
        var script = new StringBuilder("#!ipxe\n");
        script.Append("echo TestFarm: machine ").Append(ticket.MachineId).Append(" boots ").Append(image.Name)
              .Append(' ').Append(image.BuildId).Append('\n');
        var kernel = image.Artifact(ArtifactKind.Kernel);
        var initrd = image.Artifact(ArtifactKind.Initrd);
        if (kernel is null || initrd is null)
        {
            // An installer-less image without kernel and initrd: boot its ISO over HTTP.
            var iso = image.Artifact(ArtifactKind.Iso) ?? throw new InvalidOperationException($"image {image.Name} has nothing to network-boot");
            script.Append("sanboot ").Append(ArtifactUrl(publicBase, iso)).Append('\n');
            return script.ToString();
        }
        var cmdline = string.Join(' ', new[] { image.Cmdline, AgentCmdline(ticket, publicBase) }.Where(s => s.Length > 0));
        script.Append("kernel ").Append(ArtifactUrl(publicBase, kernel)).Append(" initrd=").Append(initrd.Name).Append(' ').Append(cmdline).Append('\n');
        script.Append("initrd ").Append(ArtifactUrl(publicBase, initrd)).Append('\n');
        script.Append("boot\n");
        return script.ToString();
    }

    /// <summary>The script to put on a TFTP server (or DHCP boot file): chains to the MAC-keyed entry.</summary>
    public static string Chain(Uri publicBase) =>
        $"#!ipxe\nchain {publicBase.ToString().TrimEnd('/')}/boot/v1/ipxe?mac=${{net0/mac}}\n";
}
