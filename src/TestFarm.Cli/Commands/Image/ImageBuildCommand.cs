using System.CommandLine;
using TestFarm.Core.Hardware;
using TestFarm.Provisioning.Image;

namespace TestFarm.Cli.Commands.Image;

/// <summary><c>testfarm image build [--arch amd64|arm64] [--out DIR] [--kernel-dir DIR] [--build-id ID]</c>: the reproducible lab image.</summary>
public sealed class ImageBuildCommand : ICliCommand
{
    public string Path => "image build";

    public Command Build()
    {
        var arch = new Option<string>("--arch") { Description = "amd64 or arm64 (arm64 inputs come from .tools/kernel-arm64 and .tools/arm64).", DefaultValueFactory = _ => "amd64" };
        var output = new Option<string?>("--out") { Description = "Output folder (default .artifacts/images/lab, or lab-arm64)." };
        var kernel = new Option<string?>("--kernel-dir") { Description = "Folder with vmlinuz and modules/<version>/ (default .tools/kernel or .tools/kernel-arm64)." };
        var buildId = new Option<string?>("--build-id") { Description = "Build id the agent reports (default: derived from the inputs)." };
        var busybox = new Option<string?>("--busybox") { Description = "busybox-static binary (default /bin/busybox or .tools/arm64/busybox)." };
        var command = new Command("build", "Build the lab image: Debian cloud kernel + busybox initramfs with virtio modules and the boot agent.")
        {
            arch, output, kernel, buildId, busybox,
        };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var archText = parse.GetValue(arch)!;
                CpuArchitecture cpu;
                if (archText == "amd64") cpu = CpuArchitecture.Amd64;
                else if (archText == "arm64") cpu = CpuArchitecture.Arm64;
                else
                {
                    Console.Error.WriteLine($"image build: --arch must be amd64 or arm64, was '{archText}'");
                    return ExitCodes.InvalidInput;
                }
                var defaults = LabImageOptions.Defaults(cpu, System.IO.Path.Combine(".artifacts", "images", cpu == CpuArchitecture.Arm64 ? "lab-arm64" : "lab"));
                var options = defaults with
                {
                    OutDir = parse.GetValue(output) ?? defaults.OutDir,
                    KernelDir = parse.GetValue(kernel) ?? defaults.KernelDir,
                    Busybox = parse.GetValue(busybox) ?? defaults.Busybox,
                    BuildId = parse.GetValue(buildId),
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
