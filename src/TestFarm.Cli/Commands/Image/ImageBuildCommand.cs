using System.CommandLine;
using TestFarm.Provisioning.Image;

namespace TestFarm.Cli.Commands.Image;

/// <summary><c>testfarm image build [--out DIR] [--kernel-dir DIR] [--build-id ID]</c>: the reproducible lab image.</summary>
public sealed class ImageBuildCommand : ICliCommand
{
    public string Path => "image build";

    public Command Build()
    {
        var output = new Option<string>("--out") { Description = "Output folder.", DefaultValueFactory = _ => System.IO.Path.Combine(".artifacts", "images", "lab") };
        var kernel = new Option<string>("--kernel-dir") { Description = "Folder with vmlinuz and modules/<version>/.", DefaultValueFactory = _ => System.IO.Path.Combine(".tools", "kernel") };
        var buildId = new Option<string?>("--build-id") { Description = "Build id the agent reports (default: derived from the inputs)." };
        var busybox = new Option<string>("--busybox") { Description = "busybox-static binary.", DefaultValueFactory = _ => "/bin/busybox" };
        var command = new Command("build", "Build the lab image: Debian cloud kernel + busybox initramfs with virtio modules and the boot agent.")
        {
            output, kernel, buildId, busybox,
        };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var options = new LabImageOptions
                {
                    OutDir = parse.GetValue(output)!, KernelDir = parse.GetValue(kernel)!, BuildId = parse.GetValue(buildId), Busybox = parse.GetValue(busybox)!,
                };
                var image = await LabImageBuilder.BuildAsync(options, ct);
                Console.WriteLine($"image {image.Name} build {image.BuildId} digest {image.Digest}");
                foreach (var a in image.Artifacts)
                    Console.WriteLine($"  {a.Kind,-7} {System.IO.Path.Combine(options.OutDir, a.Name)}  {a.Length} bytes  sha256 {a.Sha256}");
                return ExitCodes.Success;
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
            {
                Console.Error.WriteLine($"image build: {e.Message}");
                return ExitCodes.InvalidInput;
            }
        });
        return command;
    }
}
