using System.Diagnostics;
using System.Net;
using TestFarm.Core.Bmc;
using TestFarm.Core.Hardware;
using TestFarm.Core.Pool;
using TestFarm.Core.Provisioning;
using TestFarm.Provisioning.Boot;
using TestFarm.Provisioning.Reimage;

namespace TestFarm.Provisioning.Bench;

public sealed record BootBenchOptions
{
    /// <summary>A built lab image (<c>image.json</c> with its artifacts).</summary>
    public required string ImageDir { get; init; }
    public required string WorkDir { get; init; }
    public int Machines { get; init; } = 1;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(3);
    /// <summary>
    /// Builds the in-process BMC of one bench machine (a lab QEMU machine): called once for the bare boot
    /// and once for the farm's reimage; each client is disposed (the machine stopped) after its boot.
    /// </summary>
    public required Func<BenchMachine, IBmcClient> Bmc { get; init; }
}

/// <summary>
/// One bench machine: id, MAC, its own work folder, and the boot service's entry as seen from the host
/// (<c>/boot/v1/ipxe</c> for amd64 images, <c>/boot/v1/grub</c> for arm64 ones).
/// </summary>
public sealed record BenchMachine(string Id, string Mac, string WorkDir, Uri BootUrl);

public sealed record BootBenchResult(IReadOnlyList<TimeSpan> Bare, IReadOnlyList<TimeSpan> Farm, IReadOnlyList<ProvisioningOutcome> Outcomes)
{
    public TimeSpan BareMean => TimeSpan.FromTicks((long)Bare.Average(t => t.Ticks));
    public TimeSpan FarmMean => TimeSpan.FromTicks((long)Farm.Average(t => t.Ticks));
    /// <summary>Farm reimage → verified over bare QEMU boot → callback; target ≤ 1.2.</summary>
    public double Ratio => FarmMean / BareMean;
}

/// <summary>
/// Boots the same QEMU machines twice: bare (one-time PXE and power-on straight on the in-process BMC,
/// a ticket issued directly; the limit) and through the farm (power-off, override, power-on, network boot, callback,
/// verification), timing QEMU start → callback and reimage start → verified.
/// </summary>
public static class BootBenchmark
{
    public static readonly HardwareProfile Profile = new()
    {
        Name = "qemu-lab",
        Arch = CpuArchitecture.Amd64,
        Cpu = new CpuSpec { Vendor = "QEMU", Model = "qemu64", Cores = 1 },
        MemoryGiB = 1,
        Nics = [new NicSpec { Vendor = "Red Hat", Model = "virtio-net", Driver = "virtio_net", SpeedGbps = 1, Role = NicRole.Provisioning }],
        Storage = [new StorageSpec { Kind = StorageKind.Hdd, SizeGB = 1 }],
        Boot = new BootSpec { Modes = [BootMode.Legacy], Methods = [BootMethod.Pxe] },
    };

    /// <summary>The bench profile of an image's architecture: amd64 boots legacy PXE (iPXE), arm64 UEFI PXE (GRUB).</summary>
    public static HardwareProfile ProfileFor(CpuArchitecture arch) => arch == CpuArchitecture.Arm64
        ? Profile with
        {
            Name = "qemu-lab-arm64", Arch = arch, Cpu = new CpuSpec { Vendor = "QEMU", Model = "cortex-a57", Cores = 1 },
            Boot = new BootSpec { Modes = [BootMode.Uefi], Methods = [BootMethod.Pxe] },
        }
        : Profile;

    public static async Task<BootBenchResult> RunAsync(BootBenchOptions options, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var image = Image.LabImageBuilder.Load(options.ImageDir);
        await using var host = await BootServiceHost.StartAsync(IPAddress.Loopback, 0, port => new Uri($"http://10.0.2.2:{port}"), time, cancellationToken: cancellationToken);
        host.Artifacts.AddImage(image, options.ImageDir);
        var policy = new ProvisioningPolicy
        {
            NetworkBoot = new PhasePolicy { Deadline = options.Timeout },
            AgentCallback = new PhasePolicy { Deadline = options.Timeout },
        };
        var reimager = new Reimager(host.Sessions, host.Options, policy, time);
        var machines = Enumerable.Range(1, options.Machines).Select(i => (
            Pool: new PoolMachine
            {
                Id = $"bench-{i}",
                Profile = ProfileFor(image.Arch).Name,
                ProvisioningMac = $"52:54:00:be:00:{i:x2}",
                Bmc = new BmcEndpoint { Url = new Uri($"http://127.0.0.1/bmc/bench-{i}"), Credentials = new CredentialReference() },
            },
            Bench: new BenchMachine($"bench-{i}", $"52:54:00:be:00:{i:x2}", Path.Combine(options.WorkDir, $"bench-{i}"), new Uri(host.LocalUrl, image.Arch == CpuArchitecture.Arm64 ? "/boot/v1/grub" : "/boot/v1/ipxe")))).ToList();

        var bare = await Task.WhenAll(machines.Select(m => BareAsync(host, image, m.Pool, options.Bmc(m.Bench), options.Timeout, cancellationToken)));
        var farm = await Task.WhenAll(machines.Select(async m =>
        {
            await using var bmc = options.Bmc(m.Bench);
            var clock = Stopwatch.StartNew();
            var outcome = await reimager.ReimageAsync(bmc, new ReimageRequest { Machine = m.Pool, Profile = ProfileFor(image.Arch), Image = image }, cancellationToken);
            return (clock.Elapsed, outcome);
        }));
        return new BootBenchResult(bare, [.. farm.Select(f => f.Elapsed)], [.. farm.Select(f => f.outcome)]);
    }

    private static async Task<TimeSpan> BareAsync(BootServiceHost host, BootImage image, PoolMachine machine, IBmcClient bmc, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var _ = bmc;
        var ticket = host.Sessions.Issue(machine.Id, machine.ProvisioningMac, image, BootMethod.Pxe, timeout);
        await bmc.SetOneTimeBootAsync(BootTarget.Pxe, cancellationToken: cancellationToken);
        var clock = Stopwatch.StartNew();
        await bmc.ResetAsync(PowerIntent.On, cancellationToken);
        try
        {
            await ticket.Booted.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"bare boot of {machine.Id} did not call back within {timeout}; its console log is in the bench's work folder", e);
        }
        var elapsed = clock.Elapsed;
        host.Sessions.CloseSession(machine.Id);
        return elapsed;
    }
}
