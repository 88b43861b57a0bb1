using System.CommandLine;
using System.Globalization;
using TestFarm.Core.Hardware;
using TestFarm.Lab.Machines;
using TestFarm.Provisioning.Bench;
using TestFarm.Provisioning.Image;

namespace TestFarm.Cli.Commands.Bench;

/// <summary><c>testfarm bench boot --qemu N</c>: bare QEMU PXE boot → callback vs the farm's reimage → verified.</summary>
public sealed class BootBenchCommand(TimeProvider time) : ICliCommand
{
    public string Path => "bench boot";

    public Command Build()
    {
        var qemu = new Option<int>("--qemu") { Description = "QEMU machines to boot at once.", DefaultValueFactory = _ => 1 };
        var image = new Option<string>("--image") { Description = "Built lab image folder (built here if missing).", DefaultValueFactory = _ => System.IO.Path.Combine(".artifacts", "images", "lab") };
        var kernel = new Option<string>("--kernel-dir") { Description = "Kernel folder, to build the image if missing.", DefaultValueFactory = _ => System.IO.Path.Combine(".tools", "kernel") };
        var arch = new Option<string>("--arch") { Description = "amd64 (iPXE) or arm64 (UEFI PXE + GRUB); arm64 builds .artifacts/images/lab-arm64 unless --image is given.", DefaultValueFactory = _ => "amd64" };
        var target = new Option<double>("--target") { Description = "Largest acceptable ratio farm/bare.", DefaultValueFactory = _ => 1.2 };
        var fastTrack = new Option<bool>("--fast-track") { Description = "Time grant → verified boot of one simulated machine fast-tracked (agent kexec) against the full path, POST from --profile, on a scaled clock; target ≤ 0.3 unless --target is given." };
        var profile = new Option<string>("--profile") { Description = "Hardware profile whose firmware.postSeconds and boot.fastTrack the --fast-track machine takes.", DefaultValueFactory = _ => System.IO.Path.Combine("hardware-profiles", "xeon-6338-cx6.yaml") };
        var scale = new Option<double>("--scale") { Description = "--fast-track: how many times faster than the system clock the simulated clock runs.", DefaultValueFactory = _ => 100 };
        var command = new Command("boot", "Time a bare QEMU network boot to the agent's callback against the farm's reimage → verified.") { qemu, image, kernel, target, arch, fastTrack, profile, scale };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(fastTrack))
            {
                var fastTarget = parse.GetResult(target)?.Implicit ?? true ? 0.3 : parse.GetValue(target);
                return await FastTrackBench.RunAsync(parse.GetValue(profile)!, parse.GetValue(scale), fastTarget, ct);
            }
            var archText = parse.GetValue(arch);
            if (archText is not ("amd64" or "arm64"))
            {
                Console.Error.WriteLine($"bench boot: --arch must be amd64 or arm64, was '{archText}'");
                return ExitCodes.Usage;
            }
            var cpu = archText == "arm64" ? CpuArchitecture.Arm64 : CpuArchitecture.Amd64;
            var imageDir = parse.GetValue(image)!;
            if (cpu == CpuArchitecture.Arm64 && (parse.GetResult(image)?.Implicit ?? true)) imageDir = System.IO.Path.Combine(".artifacts", "images", "lab-arm64");
            if (!File.Exists(System.IO.Path.Combine(imageDir, LabImageBuilder.ManifestName)))
            {
                var defaults = LabImageOptions.Defaults(cpu, imageDir);
                await LabImageBuilder.BuildAsync(cpu == CpuArchitecture.Arm64 ? defaults : defaults with { KernelDir = parse.GetValue(kernel)! }, ct);
            }
            if (LabImageBuilder.Load(imageDir).Arch != cpu)
            {
                Console.Error.WriteLine($"bench boot: the image in {imageDir} is {LabImageBuilder.Load(imageDir).Arch}, --arch is {archText}");
                return ExitCodes.InvalidInput;
            }
            var work = Directory.CreateTempSubdirectory("testfarm-bench-boot-");
            var keep = false;
            try
            {
                var result = await BootBenchmark.RunAsync(new BootBenchOptions
                {
                    ImageDir = imageDir, WorkDir = work.FullName, Machines = parse.GetValue(qemu),
                    Bmc = m =>
                    {
                        var vm = new QemuMachine(new QemuOptions { Arch = cpu, WorkDirectory = m.WorkDir, Mac = m.Mac, BootUrl = m.BootUrl, MemoryMiB = 1024, DiskBytes = [64L * 1024 * 1024] });
                        return new MachineBmcClient(vm, vm.Inventory, time);
                    },
                }, time, ct);
                var failed = result.Outcomes.Where(o => !o.Ok).ToList();
                foreach (var o in result.Outcomes)
                    Console.WriteLine($"{o.MachineId}: {o.Status} {string.Join(", ", o.Phases.Select(p => $"{p.Phase} {p.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s"))}{(o.Error is null ? "" : " — " + o.Error)}");
                Console.WriteLine($"bare qemu boot → callback:   {Seconds(result.BareMean)} s (machines: {string.Join(" ", result.Bare.Select(Seconds))})");
                Console.WriteLine($"farm reimage → verified:     {Seconds(result.FarmMean)} s (machines: {string.Join(" ", result.Farm.Select(Seconds))})");
                Console.WriteLine($"ratio farm/bare:             {result.Ratio.ToString("0.00", CultureInfo.InvariantCulture)} (target ≤ {parse.GetValue(target).ToString(CultureInfo.InvariantCulture)})");
                keep = failed.Count > 0;
                if (failed.Count > 0) return ExitCodes.FarmFailure;
                return result.Ratio <= parse.GetValue(target) ? ExitCodes.Success : ExitCodes.TargetMissed;
            }
            catch (TimeoutException e)
            {
                Console.Error.WriteLine(e.Message);
                keep = true;
                return ExitCodes.FarmFailure;
            }
            finally
            {
                // Kept on failure: console logs of the machines are there.
                if (!keep) { try { work.Delete(recursive: true); } catch (IOException) { } }
            }
        });
        return command;
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
}
