using System.CommandLine;
using System.Globalization;
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
        var target = new Option<double>("--target") { Description = "Largest acceptable ratio farm/bare.", DefaultValueFactory = _ => 1.2 };
        var command = new Command("boot", "Time a bare QEMU network boot to the agent's callback against the farm's reimage → verified.") { qemu, image, kernel, target };
        command.SetAction(async (parse, ct) =>
        {
            var imageDir = parse.GetValue(image)!;
            if (!File.Exists(System.IO.Path.Combine(imageDir, LabImageBuilder.ManifestName)))
                await LabImageBuilder.BuildAsync(new LabImageOptions { KernelDir = parse.GetValue(kernel)!, OutDir = imageDir }, ct);
            var work = Directory.CreateTempSubdirectory("testfarm-bench-boot-");
            var keep = false;
            try
            {
                var result = await BootBenchmark.RunAsync(new BootBenchOptions
                {
                    ImageDir = imageDir, WorkDir = work.FullName, Machines = parse.GetValue(qemu),
                    Bmc = m =>
                    {
                        var vm = new QemuMachine(new QemuOptions { WorkDirectory = m.WorkDir, Mac = m.Mac, BootUrl = m.BootUrl, MemoryMiB = 1024, DiskMiB = 64 });
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
